//! Finding a destination in the map's places list: what a search matches, in which order
//! (nearest first once the car's position is known), and how many rows a driver may see
//! while the car limits content. Kept apart from the window so that it is tested as it is.

use crate::geo::{Point, planar_m};
use crate::mapdata::Place;

/// Rows shown while the car limits content (Android Automotive's default list limit is
/// larger; a destination picked while driving should be one of a few near ones).
pub const LIMITED_ROWS: usize = 6;

/// The places to list: indices into `places` matching `query` (case-insensitive, on the
/// name and the kind, every word of the query somewhere), nearest to `near` first when it
/// is known, at most `limit` of them; and whether more matched than are shown.
pub fn matching(
    places: &[Place],
    query: &str,
    near: Option<Point>,
    limit: Option<usize>,
) -> (Vec<usize>, bool) {
    let words: Vec<String> = query.split_whitespace().map(fold).collect();
    let mut found: Vec<usize> = places
        .iter()
        .enumerate()
        .filter(|(_, place)| {
            let haystack = fold(&format!("{} {}", place.name, place.kind));
            words.iter().all(|word| haystack.contains(word.as_str()))
        })
        .map(|(index, _)| index)
        .collect();
    if let Some(near) = near {
        found.sort_by(|&a, &b| {
            planar_m(places[a].at, near).total_cmp(&planar_m(places[b].at, near))
        });
    }
    let more = limit.is_some_and(|limit| found.len() > limit);
    if let Some(limit) = limit {
        found.truncate(limit);
    }
    (found, more)
}

/// Lower case without the marks a driver may not type: "Kämp" is found by "kamp".
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ä' | 'à' | 'á' | 'â' | 'å' => 'a',
            'ö' | 'ò' | 'ó' | 'ô' => 'o',
            'ü' | 'ù' | 'ú' | 'û' => 'u',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, kind: &str, east_m: i32) -> Place {
        Place {
            name: name.into(),
            kind: kind.into(),
            at: [east_m * 10, 0],
        }
    }

    fn places() -> Vec<Place> {
        vec![
            place("Ateneum", "tourism=museum", 900),
            place("Hotel Kämp", "tourism=hotel", 100),
            place("Kiasma", "tourism=museum", 500),
            place("Kauppatori", "amenity=marketplace", 300),
        ]
    }

    #[test]
    fn a_search_matches_names_and_kinds_whatever_the_case_and_marks() {
        let places = places();
        assert_eq!(matching(&places, "KAMP", None, None), (vec![1], false));
        assert_eq!(matching(&places, "museum", None, None), (vec![0, 2], false));
        assert_eq!(matching(&places, "ki museum", None, None), (vec![2], false));
        assert_eq!(matching(&places, "  ", None, None).0.len(), 4);
        assert!(matching(&places, "zoo", None, None).0.is_empty());
    }

    #[test]
    fn with_the_car_known_the_nearest_come_first_and_a_limit_says_there_is_more() {
        let places = places();
        assert_eq!(
            matching(&places, "", Some([0, 0]), None),
            (vec![1, 3, 2, 0], false)
        );
        assert_eq!(
            matching(&places, "", Some([10_000, 0]), Some(2)),
            (vec![0, 2], true)
        );
        assert_eq!(
            matching(&places, "museum", Some([0, 0]), Some(2)),
            (vec![2, 0], false)
        );
    }
}
