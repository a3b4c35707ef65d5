//! Joining lines that meet end to end: the member ways of a multipolygon into rings, a
//! street's many short ways into one line for its label. Each line is grown at both ends,
//! reversing pieces where needed, while some piece shares an end point with it.

/// `pieces` joined into the longest lines their shared end points allow, in no particular
/// order. A line whose first and last points are equal is closed (a ring).
pub fn join_end_to_end<T: PartialEq + Clone>(pieces: Vec<Vec<T>>) -> Vec<Vec<T>> {
    let mut pieces: Vec<Vec<T>> = pieces
        .into_iter()
        .filter(|piece| piece.len() >= 2)
        .collect();
    let mut joined = Vec::new();
    while let Some(mut line) = pieces.pop() {
        while line.first() != line.last() {
            let (Some(start), Some(end)) = (line.first().cloned(), line.last().cloned()) else {
                break;
            };
            // A closed piece is a ring of its own, never part of another line.
            let Some(index) = pieces.iter().position(|piece| {
                piece.first() != piece.last()
                    && [piece.first(), piece.last()]
                        .into_iter()
                        .flatten()
                        .any(|point| *point == start || *point == end)
            }) else {
                break;
            };
            let mut piece = pieces.swap_remove(index);
            if piece.first() == Some(&end) {
                line.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&end) {
                piece.reverse();
                line.extend_from_slice(&piece[1..]);
            } else if piece.last() == Some(&start) {
                piece.extend_from_slice(&line[1..]);
                line = piece;
            } else {
                piece.reverse();
                piece.extend_from_slice(&line[1..]);
                line = piece;
            }
        }
        joined.push(line);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_pieces_in_any_direction_into_rings_and_open_lines() {
        let mut joined = join_end_to_end(vec![
            vec![1, 2, 3],
            vec![5, 4, 3],
            vec![5, 6, 1],
            vec![10, 11, 12],
            vec![13, 12],
            vec![20, 21, 22, 20],
        ]);
        joined.sort_by_key(|line| line.len());
        assert_eq!(joined.len(), 3, "{joined:?}");
        assert_eq!(joined[0], vec![20, 21, 22, 20]);
        assert!(joined[1] == vec![10, 11, 12, 13] || joined[1] == vec![13, 12, 11, 10]);
        let ring = &joined[2];
        assert_eq!(ring.len(), 7);
        assert_eq!(ring.first(), ring.last());
        let mut ids = ring[..6].to_vec();
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    }
}
