//! A line of map points, stored as deltas from one point to the next: along a road these
//! are a few metres, a byte or two each as varints, where absolute positions take three or
//! four.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::geo::Point;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polyline(pub Vec<Point>);

impl Serialize for Polyline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut previous = [0i32; 2];
        let deltas: Vec<[i32; 2]> = self
            .0
            .iter()
            .map(|point| {
                let delta = [
                    point[0].wrapping_sub(previous[0]),
                    point[1].wrapping_sub(previous[1]),
                ];
                previous = *point;
                delta
            })
            .collect();
        deltas.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Polyline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let deltas = Vec::<[i32; 2]>::deserialize(deserializer)?;
        let mut current = [0i32; 2];
        Ok(Polyline(
            deltas
                .into_iter()
                .map(|delta| {
                    current = [
                        current[0].wrapping_add(delta[0]),
                        current[1].wrapping_add(delta[1]),
                    ];
                    current
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_postcard_in_few_bytes() {
        let line = Polyline(vec![
            [100_000, -50_000],
            [100_030, -50_010],
            [100_055, -49_990],
        ]);
        let bytes = postcard::to_stdvec(&line).unwrap();
        assert!(bytes.len() <= 1 + 6 + 4 + 4, "{} bytes", bytes.len());
        assert_eq!(postcard::from_bytes::<Polyline>(&bytes).unwrap(), line);
    }
}
