//! Joins the member ways of a multipolygon into closed rings. Pieces that never close (cut
//! off at the extract's edge) are dropped: a broken ring would fill the wrong side.

use crate::lines::join_end_to_end;

/// Closed rings of node ids (first id repeated last) from `ways`' node lists.
pub fn assemble(ways: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
    join_end_to_end(ways)
        .into_iter()
        .filter(|ring| ring.len() >= 4 && ring.first() == ring.last())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_closes_and_drops_what_never_does() {
        let rings = assemble(vec![vec![1, 2, 3], vec![3, 4, 1], vec![10, 11, 12]]);
        assert_eq!(rings.len(), 1, "{rings:?}");
        assert_eq!(rings[0].len(), 5);
    }
}
