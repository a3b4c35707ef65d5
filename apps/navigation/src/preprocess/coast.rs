//! The sea, which OpenStreetMap draws only as its edge: `natural=coastline` ways, directed
//! with the land on their left and the water on their right, and no area. Within an extract
//! the coastline is cut at the extract's box, so the sea is made here: the coastline pieces
//! are joined end to start into chains; each chain that runs in from the box's edge and out
//! again is tied to the edge at both ends; and walking clockwise along the edge from where
//! one chain leaves to where the next one comes in closes the water (the water lies on the
//! right, so the edge clockwise from an exit runs along the water). Coastline rings that
//! close inside the box are islands: holes in the water (the map fills even-odd).
//!
//! A chain end far from the box's edge means a broken coastline: no sea is made then, as a
//! wrong guess would flood the land.

use crate::geo::Point;
use crate::mapdata::Polyline;

/// How far from the box's edge a cut coastline may end (the last node inside an extract can
/// be a long segment away from the cut), in the map's units (decimetres): 300 m.
const EDGE_TOLERANCE: i64 = 3000;

/// The sea's rings within `bounds` (south-west and north-east corners) from the coastline
/// `pieces` (each a run of consecutive points of a coastline way, in the way's direction);
/// `None` when there is no coastline or it is broken.
pub fn sea(pieces: Vec<Vec<Point>>, bounds: [Point; 2]) -> Option<Vec<Polyline>> {
    let chains = join_directed(pieces);
    let (islands, open): (Vec<_>, Vec<_>) = chains
        .into_iter()
        .partition(|chain| chain.first() == chain.last());
    let edge = Edge::of(bounds);
    let mut rings: Vec<Polyline> = Vec::new();
    if open.is_empty() {
        if islands.is_empty() {
            return None;
        }
        // Islands only: the box is all water but them.
        rings.push(Polyline(edge.ring()));
    } else {
        let mut tied: Vec<TiedChain> = Vec::new();
        for chain in open {
            tied.push(edge.tie(chain)?);
        }
        rings.extend(edge.close(tied).into_iter().map(Polyline));
    }
    rings.extend(islands.into_iter().map(Polyline));
    Some(rings)
}

/// Joins pieces where one ends and another starts (never reversing one: the direction says
/// where the water is).
fn join_directed(mut pieces: Vec<Vec<Point>>) -> Vec<Vec<Point>> {
    pieces.retain(|piece| piece.len() >= 2);
    let mut chains = Vec::new();
    while let Some(mut chain) = pieces.pop() {
        loop {
            if chain.first() == chain.last() {
                break;
            }
            if let Some(index) = pieces
                .iter()
                .position(|piece| piece.first() == chain.last())
            {
                let piece = pieces.swap_remove(index);
                chain.extend_from_slice(&piece[1..]);
            } else if let Some(index) = pieces
                .iter()
                .position(|piece| piece.last() == chain.first())
            {
                let mut piece = pieces.swap_remove(index);
                piece.extend_from_slice(&chain[1..]);
                chain = piece;
            } else {
                break;
            }
        }
        chains.push(chain);
    }
    chains
}

/// A chain tied to the box's edge: its points from the edge to the edge, and where it
/// comes in and goes out as distances clockwise along the edge.
struct TiedChain {
    points: Vec<Point>,
    enters: i64,
    leaves: i64,
}

/// The box's edge, measured clockwise from the north-west corner.
struct Edge {
    west: i64,
    south: i64,
    east: i64,
    north: i64,
}

impl Edge {
    fn of([south_west, north_east]: [Point; 2]) -> Edge {
        Edge {
            west: i64::from(south_west[0]),
            south: i64::from(south_west[1]),
            east: i64::from(north_east[0]),
            north: i64::from(north_east[1]),
        }
    }

    fn width(&self) -> i64 {
        self.east - self.west
    }

    fn height(&self) -> i64 {
        self.north - self.south
    }

    fn perimeter(&self) -> i64 {
        2 * (self.width() + self.height())
    }

    /// The corners, clockwise from the north-west one, with their distances along the edge.
    fn corners(&self) -> [(i64, Point); 4] {
        let (w, h) = (self.width(), self.height());
        let point = |x: i64, y: i64| [x as i32, y as i32];
        [
            (0, point(self.west, self.north)),
            (w, point(self.east, self.north)),
            (w + h, point(self.east, self.south)),
            (2 * w + h, point(self.west, self.south)),
        ]
    }

    fn ring(&self) -> Vec<Point> {
        let mut ring: Vec<Point> = self.corners().iter().map(|(_, point)| *point).collect();
        ring.push(ring[0]);
        ring
    }

    /// The nearest point of the edge to `point`, its distance along the edge, and how far
    /// `point` is from it.
    fn nearest(&self, point: Point) -> (Point, i64, i64) {
        let x = i64::from(point[0]).clamp(self.west, self.east);
        let y = i64::from(point[1]).clamp(self.south, self.north);
        let (w, h) = (self.width(), self.height());
        let outside = (i64::from(point[0]) - x).abs() + (i64::from(point[1]) - y).abs();
        let candidates = [
            (self.north - y, [x, self.north], x - self.west),
            (self.east - x, [self.east, y], w + (self.north - y)),
            (y - self.south, [x, self.south], w + h + (self.east - x)),
            (x - self.west, [self.west, y], 2 * w + h + (y - self.south)),
        ];
        let (inside, at, along) = candidates
            .into_iter()
            .min_by_key(|(distance, _, _)| *distance)
            .unwrap_or((0, [x, y], 0));
        ([at[0] as i32, at[1] as i32], along, inside + outside)
    }

    /// `chain` with its ends moved onto the edge; `None` when an end is far from it.
    fn tie(&self, mut chain: Vec<Point>) -> Option<TiedChain> {
        let (start, end) = (*chain.first()?, *chain.last()?);
        let (start_on_edge, enters, start_off) = self.nearest(start);
        let (end_on_edge, leaves, end_off) = self.nearest(end);
        if start_off > EDGE_TOLERANCE || end_off > EDGE_TOLERANCE {
            return None;
        }
        if start_on_edge != start {
            chain.insert(0, start_on_edge);
        }
        if end_on_edge != end {
            chain.push(end_on_edge);
        }
        Some(TiedChain {
            points: chain,
            enters,
            leaves,
        })
    }

    /// The corners passed going clockwise from `from` to `to` along the edge.
    fn corners_between(&self, from: i64, to: i64) -> Vec<Point> {
        let perimeter = self.perimeter();
        let span = (to - from).rem_euclid(perimeter);
        let mut passed: Vec<(i64, Point)> = self
            .corners()
            .into_iter()
            .map(|(along, point)| ((along - from).rem_euclid(perimeter), point))
            .filter(|(ahead, _)| *ahead > 0 && *ahead < span)
            .collect();
        passed.sort_by_key(|(ahead, _)| *ahead);
        passed.into_iter().map(|(_, point)| point).collect()
    }

    /// Closes the water: from each chain's exit clockwise along the edge to the next entry,
    /// chain after chain, until back at the first.
    fn close(&self, mut chains: Vec<TiedChain>) -> Vec<Vec<Point>> {
        let perimeter = self.perimeter();
        let mut rings = Vec::new();
        while let Some(first) = chains.pop() {
            let mut ring = first.points.clone();
            let mut leaves = first.leaves;
            loop {
                let ahead = |enters: i64| (enters - leaves).rem_euclid(perimeter);
                let back_to_first = ahead(first.enters);
                let next = chains
                    .iter()
                    .enumerate()
                    .map(|(index, chain)| (ahead(chain.enters), index))
                    .filter(|(distance, _)| *distance < back_to_first)
                    .min();
                match next {
                    Some((_, index)) => {
                        let chain = chains.swap_remove(index);
                        ring.extend(self.corners_between(leaves, chain.enters));
                        ring.extend_from_slice(&chain.points);
                        leaves = chain.leaves;
                    }
                    None => {
                        ring.extend(self.corners_between(leaves, first.enters));
                        ring.push(first.points[0]);
                        break;
                    }
                }
            }
            rings.push(ring);
        }
        rings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1000 x 1000 box from the origin.
    const BOX: [Point; 2] = [[0, 0], [1000, 1000]];

    /// Whether `point` is in the water.
    fn in_water(rings: &[Polyline], point: [f64; 2]) -> bool {
        let area = crate::mapdata::Area {
            kind: crate::osm_rules::AreaKind::Water,
            rings: rings.to_vec(),
        };
        area.contains([point[0] as i32, point[1] as i32])
    }

    #[test]
    fn a_shore_across_the_box_floods_the_side_on_its_right() {
        // Westward, in two pieces, ending a little inside the box: the water is north.
        let pieces = vec![vec![[980, 500], [600, 520]], vec![[600, 520], [30, 480]]];
        let sea = sea(pieces, BOX).expect("a sea");
        assert_eq!(sea.len(), 1);
        assert!(in_water(&sea, [500.0, 900.0]));
        assert!(in_water(&sea, [10.0, 990.0]));
        assert!(!in_water(&sea, [500.0, 100.0]));
        assert!(!in_water(&sea, [990.0, 10.0]));
    }

    #[test]
    fn a_bay_and_an_island_in_it() {
        // A bay from the east edge: in at y 300, round to the west, out at y 700. The water
        // is inside; an island (a ring, land on its left: counter-clockwise) sits in it.
        let bay = vec![[1000, 300], [300, 300], [300, 700], [1000, 700]];
        let island = vec![[600, 450], [700, 450], [700, 550], [600, 550], [600, 450]];
        let sea = sea(vec![bay, island], BOX).expect("a sea");
        assert!(in_water(&sea, [400.0, 500.0]));
        assert!(!in_water(&sea, [650.0, 500.0]), "the island is land");
        assert!(!in_water(&sea, [100.0, 500.0]));
        assert!(!in_water(&sea, [500.0, 900.0]));
    }

    #[test]
    fn two_shores_make_two_seas_or_one_by_their_directions() {
        // A strait between two coasts running opposite ways: one water body between them.
        let north_coast = vec![[0, 700], [1000, 700]];
        let south_coast = vec![[1000, 300], [0, 300]];
        let sea = sea(vec![north_coast, south_coast], BOX).expect("a sea");
        assert_eq!(sea.len(), 1);
        assert!(in_water(&sea, [500.0, 500.0]));
        assert!(!in_water(&sea, [500.0, 900.0]));
        assert!(!in_water(&sea, [500.0, 100.0]));
    }

    #[test]
    fn islands_alone_sit_in_a_sea_filling_the_box() {
        let island = vec![[400, 400], [600, 400], [600, 600], [400, 600], [400, 400]];
        let sea = sea(vec![island], BOX).expect("a sea");
        assert!(in_water(&sea, [100.0, 100.0]));
        assert!(!in_water(&sea, [500.0, 500.0]));
    }

    #[test]
    fn a_coastline_ending_inland_or_none_makes_no_sea() {
        // From the edge 600 m into a 10 km box, and no further.
        let inland = vec![vec![[0, 50_000], [6_000, 50_000]]];
        assert!(sea(inland, [[0, 0], [100_000, 100_000]]).is_none());
        assert!(sea(Vec::new(), BOX).is_none());
    }
}
