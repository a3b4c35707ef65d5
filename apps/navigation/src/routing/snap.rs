//! Map matching for one position: the road edge a car at a point, heading some way, is
//! most likely on. Distance to the edge decides, with a penalty for an edge that runs
//! against the car's heading (the far carriageway, a one-way street the wrong way). A city
//! graph is a few thousand edges: a scan per position fix (1-10 Hz) costs microseconds, so
//! no spatial index is kept.

use crate::geo::{Point, UNITS_PER_M};
use crate::mapdata::RoadGraph;

/// A position matched to an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapped {
    pub edge: u32,
    /// How far along the edge, 0 at its start to 1 at its end.
    pub along: f64,
    /// From the position to the edge, metres.
    pub distance_m: f64,
    /// The matched point on the edge.
    pub at: Point,
}

/// An edge running more than this far off the heading counts as the wrong way.
const WRONG_WAY: f64 = std::f64::consts::FRAC_PI_2;
/// What running the wrong way costs, metres of distance.
const WRONG_WAY_PENALTY_M: f64 = 30.0;

/// Every edge of `graph`, as candidates for [`snap`].
pub fn all_edges(graph: &RoadGraph) -> std::ops::Range<u32> {
    0..graph.edges.len() as u32
}

/// The edge among `candidates` best matching a car at `at` heading `heading` (radians
/// counter-clockwise from east; `None` when standing), within `max_m` metres.
pub fn snap(
    graph: &RoadGraph,
    at: Point,
    heading: Option<f64>,
    max_m: f64,
    candidates: impl IntoIterator<Item = u32>,
) -> Option<Snapped> {
    let mut best: Option<(f64, Snapped)> = None;
    for edge in candidates {
        let Some(snapped) = onto_edge(graph, edge, at) else {
            continue;
        };
        if snapped.distance_m > max_m {
            continue;
        }
        let mut score = snapped.distance_m;
        if let Some(heading) = heading {
            let (a, b) = ends(graph, edge)?;
            let direction = (f64::from(b[1] - a[1])).atan2(f64::from(b[0] - a[0]));
            if angle_between(direction, heading) > WRONG_WAY {
                score += WRONG_WAY_PENALTY_M;
            }
        }
        if best
            .as_ref()
            .is_none_or(|(best_score, _)| score < *best_score)
        {
            best = Some((score, snapped));
        }
    }
    best.map(|(_, snapped)| snapped)
}

fn ends(graph: &RoadGraph, edge: u32) -> Option<(Point, Point)> {
    let to = graph.edges.get(edge as usize)?.to;
    let from = graph.edge_source(edge);
    Some((
        *graph.nodes.get(from as usize)?,
        *graph.nodes.get(to as usize)?,
    ))
}

/// `at` projected onto `edge`.
fn onto_edge(graph: &RoadGraph, edge: u32, at: Point) -> Option<Snapped> {
    let (a, b) = ends(graph, edge)?;
    let (ax, ay) = (f64::from(a[0]), f64::from(a[1]));
    let (dx, dy) = (f64::from(b[0]) - ax, f64::from(b[1]) - ay);
    let (px, py) = (f64::from(at[0]) - ax, f64::from(at[1]) - ay);
    let length_squared = dx * dx + dy * dy;
    let along = if length_squared > 0.0 {
        ((px * dx + py * dy) / length_squared).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (sx, sy) = (ax + dx * along, ay + dy * along);
    let distance_m = (f64::from(at[0]) - sx).hypot(f64::from(at[1]) - sy) / UNITS_PER_M;
    Some(Snapped {
        edge,
        along,
        distance_m,
        at: [sx.round() as i32, sy.round() as i32],
    })
}

/// The angle between two directions, 0..=π.
fn angle_between(a: f64, b: f64) -> f64 {
    let difference = (a - b).rem_euclid(std::f64::consts::TAU);
    difference.min(std::f64::consts::TAU - difference)
}
