//! What the driver is told: a route's edges become a list of maneuvers (depart, turns where
//! the road changes or bends at a junction, arrive), each with the distance driven to it.

use crate::geo::Point;
use crate::mapdata::MapData;

use super::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    Depart,
    Straight,
    SlightLeft,
    Left,
    SharpLeft,
    SlightRight,
    Right,
    SharpRight,
    UTurn,
    Arrive,
}

impl Turn {
    /// From the signed change of heading, degrees, left positive.
    fn from_angle(degrees: f64) -> Turn {
        let magnitude = degrees.abs();
        let left = degrees > 0.0;
        match magnitude {
            m if m < 20.0 => Turn::Straight,
            m if m < 60.0 && left => Turn::SlightLeft,
            m if m < 60.0 => Turn::SlightRight,
            m if m < 130.0 && left => Turn::Left,
            m if m < 130.0 => Turn::Right,
            m if m < 170.0 && left => Turn::SharpLeft,
            m if m < 170.0 => Turn::SharpRight,
            _ => Turn::UTurn,
        }
    }

    /// The words of the banner and the spoken prompt.
    pub fn instruction(self) -> &'static str {
        match self {
            Turn::Depart => "Head off",
            Turn::Straight => "Continue straight",
            Turn::SlightLeft => "Bear left",
            Turn::Left => "Turn left",
            Turn::SharpLeft => "Turn sharp left",
            Turn::SlightRight => "Bear right",
            Turn::Right => "Turn right",
            Turn::SharpRight => "Turn sharp right",
            Turn::UTurn => "Make a U-turn",
            Turn::Arrive => "You have arrived",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Maneuver {
    pub turn: Turn,
    /// The road taken (none for arrive, or an unnamed road).
    pub onto: Option<String>,
    /// Where it happens.
    pub at: Point,
    /// Index into the route's edges of the first edge after it (the route's length for
    /// arrive).
    pub edge_index: usize,
    /// Driven from the previous maneuver to this one, decimetres.
    pub distance_dm: u64,
}

/// Bends this sharp at a junction are announced even on the same road.
const ANNOUNCED_BEND: f64 = 40.0;

/// The maneuvers of `route` on `map`.
pub fn maneuvers(map: &MapData, route: &Route) -> Vec<Maneuver> {
    let graph = &map.graph;
    let edge = |index: usize| &graph.edges[route.edges[index] as usize];
    let node = |node: u32| graph.nodes.get(node as usize).copied().unwrap_or([0, 0]);
    let Some(&first) = route.edges.first() else {
        return Vec::new();
    };
    let start = node(graph.edge_source(first));
    let mut list = vec![Maneuver {
        turn: Turn::Depart,
        onto: map.edge_name(edge(0)).map(str::to_owned),
        at: start,
        edge_index: 0,
        distance_dm: 0,
    }];
    let mut driven = u64::from(edge(0).length_dm);
    for index in 1..route.edges.len() {
        let (before, after) = (edge(index - 1), edge(index));
        let junction = before.to;
        let came_from = graph.edge_source(route.edges[index - 1]);
        let angle = turn_angle(node(came_from), node(junction), node(after.to));
        let name_before = map.edge_name(before);
        let name_after = map.edge_name(after);
        // Ways on from the junction other than the one taken and the way back.
        let other_exits = graph
            .edges_from(junction)
            .filter(|&exit| exit as u32 != route.edges[index] && graph.edges[exit].to != came_from)
            .count();
        let renamed = name_before != name_after && (name_after.is_some() || other_exits > 0);
        let bend = angle.abs() >= ANNOUNCED_BEND && other_exits > 0;
        if renamed || bend {
            list.push(Maneuver {
                turn: Turn::from_angle(angle),
                onto: name_after.map(str::to_owned),
                at: node(junction),
                edge_index: index,
                distance_dm: driven,
            });
            driven = 0;
        }
        driven += u64::from(after.length_dm);
    }
    let end = route
        .edges
        .last()
        .map(|&last| node(graph.edges[last as usize].to))
        .unwrap_or(start);
    list.push(Maneuver {
        turn: Turn::Arrive,
        onto: None,
        at: end,
        edge_index: route.edges.len(),
        distance_dm: driven,
    });
    list
}

/// The change of heading from `a→b` to `b→c`, degrees in -180..=180, left positive.
fn turn_angle(a: Point, b: Point, c: Point) -> f64 {
    let heading = |from: Point, to: Point| {
        (f64::from(to[1]) - f64::from(from[1])).atan2(f64::from(to[0]) - f64::from(from[0]))
    };
    let mut change = (heading(b, c) - heading(a, b)).to_degrees();
    if change > 180.0 {
        change -= 360.0;
    } else if change < -180.0 {
        change += 360.0;
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_turn_left_positive() {
        // East, then north: a left turn.
        assert!((turn_angle([0, 0], [10, 0], [10, 10]) - 90.0).abs() < 1e-9);
        assert!((turn_angle([0, 0], [10, 0], [10, -10]) + 90.0).abs() < 1e-9);
        assert_eq!(Turn::from_angle(90.0), Turn::Left);
        assert_eq!(Turn::from_angle(-30.0), Turn::SlightRight);
        assert_eq!(Turn::from_angle(179.0), Turn::UTurn);
    }
}
