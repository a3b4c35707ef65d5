//! Joins the member ways of a multipolygon into closed rings: ways that meet end to end are
//! chained (reversed where needed) until the chain closes. Pieces that never close (cut off
//! at the extract's edge) are dropped: a broken ring would fill the wrong side.

/// Closed rings of node ids (first id repeated last) from `ways`' node lists.
pub fn assemble(ways: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
    let mut rings = Vec::new();
    let mut open: Vec<Vec<i64>> = Vec::new();
    for way in ways.into_iter().filter(|way| way.len() >= 2) {
        if way.first() == way.last() {
            rings.push(way);
        } else {
            open.push(way);
        }
    }
    while let Some(mut chain) = open.pop() {
        loop {
            if chain.len() >= 4 && chain.first() == chain.last() {
                rings.push(chain);
                break;
            }
            let (Some(&start), Some(&end)) = (chain.first(), chain.last()) else {
                break;
            };
            let Some(index) = open.iter().position(|piece| {
                piece.first() == Some(&end)
                    || piece.last() == Some(&end)
                    || piece.first() == Some(&start)
                    || piece.last() == Some(&start)
            }) else {
                break;
            };
            let mut piece = open.swap_remove(index);
            if piece.first() == Some(&end) {
                chain.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&end) {
                piece.reverse();
                chain.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&start) {
                piece.extend_from_slice(&chain[1..]);
                chain = piece;
            } else {
                piece.reverse();
                piece.extend_from_slice(&chain[1..]);
                chain = piece;
            }
        }
    }
    rings.retain(|ring| ring.len() >= 4);
    rings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_pieces_in_any_direction_and_drops_what_never_closes() {
        let rings = assemble(vec![
            vec![1, 2, 3],
            vec![5, 4, 3],
            vec![5, 6, 1],
            vec![10, 11, 12],
            vec![20, 21, 22, 20],
        ]);
        assert_eq!(rings.len(), 2, "{rings:?}");
        assert!(rings.contains(&vec![20, 21, 22, 20]));
        let joined = rings.iter().find(|ring| ring.len() == 7).unwrap();
        assert_eq!(joined.first(), joined.last());
        let mut ids = joined[..6].to_vec();
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    }
}
