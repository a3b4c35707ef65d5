//! Following a route as the car drives it: each position fix is matched onto the route
//! ahead, which gives the distance to the next maneuver and to the destination, and the
//! moments to speak (a prepare prompt some way before a maneuver, a prompt at it, the
//! arrival). Fixes that stay off the route for a few in a row mean the driver went another
//! way: the route is computed again from the edge the car is on.

use std::collections::HashSet;
use std::sync::Arc;

use crate::geo::{Point, UNITS_PER_M};
use crate::mapdata::{MapData, Polyline};
use crate::routing::snap::{self, Snapped};
use crate::routing::{Maneuver, Options, Route, Router, Turn, maneuvers};

/// A position fix: where the car is, and which way it is heading (radians
/// counter-clockwise from east; none when standing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub at: Point,
    pub heading: Option<f64>,
}

/// A fix this close to the route is on it (GNSS in a city is off by 5-15 m).
pub const ON_ROUTE_M: f64 = 25.0;
/// Off the route this many fixes in a row: the driver went another way.
pub const OFF_ROUTE_FIXES: u32 = 3;
/// Where the car is matched onto the road graph for a new route.
const REROUTE_SNAP_M: f64 = 40.0;
/// How many route edges ahead of the last match a fix is looked for.
const LOOKAHEAD_EDGES: usize = 40;
/// And how many behind it: a car reversing a little, or dead reckoning that ran ahead of
/// the car, is still on its route.
const LOOKBEHIND_EDGES: usize = 2;
/// The prepare prompt, metres before a maneuver.
pub const PREPARE_M: f64 = 200.0;
/// The prompt at the maneuver, metres before it.
pub const NOW_M: f64 = 40.0;
/// Within this of the destination the drive is over.
pub const ARRIVED_M: f64 = 25.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Prepare,
    Now,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Where the car is on the route.
    Progress(Progress),
    /// Time to speak about maneuver `maneuver` (an index into [`Guidance::maneuvers`]).
    Prompt {
        maneuver: usize,
        stage: Stage,
    },
    /// Off the route for [`OFF_ROUTE_FIXES`] fixes.
    OffRoute,
    /// A new route from where the car is.
    Rerouted,
    Arrived,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The next maneuver (an index into [`Guidance::maneuvers`]).
    pub next: usize,
    pub to_next_m: f64,
    pub remaining_m: f64,
    /// The car's position matched onto the route: where the vehicle is drawn.
    pub on_route: Point,
    /// The route's direction there (radians counter-clockwise from east): where the
    /// vehicle points.
    pub heading: f64,
}

pub struct Guidance {
    map: Arc<MapData>,
    destination: u32,
    route: Route,
    maneuvers: Vec<Maneuver>,
    /// The route edge (index into the route) the car was last matched on, and how far along.
    position: (usize, f64),
    missed: u32,
    said: HashSet<(usize, Stage)>,
    arrived: bool,
}

impl Guidance {
    /// Guidance to graph node `destination` for a car at `fix`, or `None` when the car is
    /// on no road or no route leads there.
    pub fn start(map: Arc<MapData>, fix: Fix, destination: u32) -> Option<Guidance> {
        let snapped = snap::snap(
            &map.graph,
            fix.at,
            fix.heading,
            REROUTE_SNAP_M,
            snap::all_edges(&map.graph),
        )?;
        let route = Router::new(&map.graph).route_from_edge(
            snapped.edge,
            destination,
            Options::default(),
        )?;
        let maneuvers = maneuvers(&map, &route);
        Some(Guidance {
            map,
            destination,
            route,
            maneuvers,
            position: (0, snapped.along),
            missed: 0,
            said: HashSet::new(),
            arrived: false,
        })
    }

    pub fn route(&self) -> &Route {
        &self.route
    }

    pub fn maneuvers(&self) -> &[Maneuver] {
        &self.maneuvers
    }

    /// The route as a line to draw.
    pub fn line(&self) -> Polyline {
        self.route.line(&self.map.graph)
    }

    fn edge_m(&self, index: usize) -> f64 {
        self.route.edges.get(index).map_or(0.0, |&edge| {
            f64::from(self.map.graph.edges[edge as usize].length_dm) / UNITS_PER_M
        })
    }

    /// What `fix` means for the drive.
    pub fn update(&mut self, fix: Fix) -> Vec<Event> {
        if self.arrived {
            return Vec::new();
        }
        let mut events = Vec::new();
        match self.match_on_route(fix) {
            Some((index, snapped)) => {
                self.missed = 0;
                self.position = (index, snapped.along);
                self.progress(snapped.at, &mut events);
            }
            None => {
                self.missed += 1;
                if self.missed >= OFF_ROUTE_FIXES {
                    events.push(Event::OffRoute);
                    if self.reroute(fix) {
                        events.push(Event::Rerouted);
                        if let Some((index, snapped)) = self.match_on_route(fix) {
                            self.position = (index, snapped.along);
                            self.progress(snapped.at, &mut events);
                        }
                    }
                }
            }
        }
        events
    }

    /// Without fixes (GNSS lost, as in a tunnel) the car is carried along the route by the
    /// distance its wheels say it drove: the banner counts down and prompts are said on time.
    /// It never leaves the route this way; the next fix puts it right.
    pub fn dead_reckon(&mut self, driven_m: f64) -> Vec<Event> {
        let mut events = Vec::new();
        if self.arrived || !(driven_m.is_finite() && driven_m > 0.0) {
            return events;
        }
        let (mut index, along) = self.position;
        let mut left_m = driven_m + self.edge_m(index) * along;
        while index + 1 < self.route.edges.len() && left_m > self.edge_m(index) {
            left_m -= self.edge_m(index);
            index += 1;
        }
        let edge_m = self.edge_m(index);
        let along = if edge_m > 0.0 {
            (left_m / edge_m).min(1.0)
        } else {
            1.0
        };
        self.position = (index, along);
        let Some(&edge) = self.route.edges.get(index) else {
            return events;
        };
        let graph = &self.map.graph;
        let from = graph.nodes[graph.edge_source(edge) as usize];
        let to = graph.nodes[graph.edges[edge as usize].to as usize];
        let at = [
            (f64::from(from[0]) + (f64::from(to[0]) - f64::from(from[0])) * along).round() as i32,
            (f64::from(from[1]) + (f64::from(to[1]) - f64::from(from[1])) * along).round() as i32,
        ];
        self.progress(at, &mut events);
        events
    }

    /// The route edge about the last match (a little behind it, further ahead) that `fix`
    /// matches, if any.
    fn match_on_route(&self, fix: Fix) -> Option<(usize, Snapped)> {
        let start = self.position.0.saturating_sub(LOOKBEHIND_EDGES);
        let end = (self.position.0 + LOOKAHEAD_EDGES).min(self.route.edges.len());
        let window = self.route.edges.get(start..end)?;
        let snapped = snap::snap(
            &self.map.graph,
            fix.at,
            fix.heading,
            ON_ROUTE_M,
            window.iter().copied(),
        )?;
        // A route may pass an edge twice (around a block): the first time in the window is
        // meant.
        let offset = window.iter().position(|&edge| edge == snapped.edge)?;
        Some((start + offset, snapped))
    }

    fn reroute(&mut self, fix: Fix) -> bool {
        let graph = &self.map.graph;
        let Some(snapped) = snap::snap(
            graph,
            fix.at,
            fix.heading,
            REROUTE_SNAP_M,
            snap::all_edges(graph),
        ) else {
            return false;
        };
        let Some(route) =
            Router::new(graph).route_from_edge(snapped.edge, self.destination, Options::default())
        else {
            return false;
        };
        self.maneuvers = maneuvers(&self.map, &route);
        self.route = route;
        self.position = (0, snapped.along);
        self.missed = 0;
        self.said.clear();
        true
    }

    fn progress(&mut self, on_route: Point, events: &mut Vec<Event>) {
        let (index, along) = self.position;
        let left_on_edge = self.edge_m(index) * (1.0 - along);
        let remaining_m = left_on_edge
            + (index + 1..self.route.edges.len())
                .map(|i| self.edge_m(i))
                .sum::<f64>();
        // The next maneuver starts an edge after the one the car is on.
        let Some(next) = self
            .maneuvers
            .iter()
            .position(|maneuver| maneuver.edge_index > index)
        else {
            return;
        };
        let to_next_m = left_on_edge
            + (index + 1..self.maneuvers[next].edge_index)
                .map(|i| self.edge_m(i))
                .sum::<f64>();
        events.push(Event::Progress(Progress {
            next,
            to_next_m,
            remaining_m,
            on_route,
            heading: self.edge_heading(index),
        }));
        if self.maneuvers[next].turn == Turn::Arrive {
            // The arrival is said once there, not before.
            if remaining_m <= ARRIVED_M {
                self.say(next, Stage::Now, events);
                self.arrived = true;
                events.push(Event::Arrived);
            }
            return;
        }
        if to_next_m <= NOW_M {
            self.say(next, Stage::Now, events);
        } else if to_next_m <= PREPARE_M {
            self.say(next, Stage::Prepare, events);
        }
    }

    fn edge_heading(&self, index: usize) -> f64 {
        let Some(&edge) = self.route.edges.get(index) else {
            return 0.0;
        };
        let graph = &self.map.graph;
        let from = graph.nodes[graph.edge_source(edge) as usize];
        let to = graph.nodes[graph.edges[edge as usize].to as usize];
        (f64::from(to[1]) - f64::from(from[1])).atan2(f64::from(to[0]) - f64::from(from[0]))
    }

    fn say(&mut self, maneuver: usize, stage: Stage, events: &mut Vec<Event>) {
        // Once the maneuver's own prompt is said, its prepare prompt is past.
        if self.said.contains(&(maneuver, Stage::Now)) {
            return;
        }
        if self.said.insert((maneuver, stage)) {
            events.push(Event::Prompt { maneuver, stage });
        }
    }
}
