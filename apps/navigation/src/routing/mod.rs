//! Shortest routes by travel time on the road graph: A* over edges rather than nodes, so that
//! a turn restriction (a banned pair of edges) is just a transition the search does not
//! take, and a route may pass a junction twice (around the block, where a left turn is
//! banned). A route turns back only at a dead end. The heuristic is the straight-line distance at the map's fastest speed, which
//! never overestimates, so the routes are shortest.

mod maneuvers;
pub mod snap;

pub use maneuvers::{Maneuver, Turn, maneuvers};

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::geo::planar_m;
use crate::mapdata::{Polyline, RoadGraph};

/// A route: the edges driven, in order, and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub edges: Vec<u32>,
    pub millis: u64,
    pub length_dm: u64,
}

impl Route {
    /// The route as a line through its nodes, to draw or to drive along.
    pub fn line(&self, graph: &RoadGraph) -> Polyline {
        let node = |node: u32| graph.nodes.get(node as usize).copied().unwrap_or_default();
        let mut points = Vec::with_capacity(self.edges.len() + 1);
        if let Some(&first) = self.edges.first() {
            points.push(node(graph.edge_source(first)));
        }
        points.extend(
            self.edges
                .iter()
                .filter_map(|&edge| graph.edges.get(edge as usize))
                .map(|edge| node(edge.to)),
        );
        Polyline(points)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Off only to compare with a reference that knows no restrictions.
    pub turn_restrictions: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            turn_restrictions: true,
        }
    }
}

pub struct Router<'a> {
    graph: &'a RoadGraph,
    /// The heuristic's milliseconds per decimetre of straight line: the map's fastest edge.
    millis_per_dm: f64,
}

/// Slightly under 1: the map's flat projection is off by up to about 0.1 % across a city, and
/// an overestimating heuristic would cost shortest routes.
const HEURISTIC_SAFETY: f64 = 0.99;

impl<'a> Router<'a> {
    pub fn new(graph: &'a RoadGraph) -> Router<'a> {
        let millis_per_dm = graph
            .edges
            .iter()
            .filter(|edge| edge.length_dm > 0)
            .map(|edge| f64::from(edge.millis) / f64::from(edge.length_dm))
            .fold(f64::INFINITY, f64::min);
        Router {
            graph,
            millis_per_dm: if millis_per_dm.is_finite() {
                millis_per_dm * HEURISTIC_SAFETY
            } else {
                0.0
            },
        }
    }

    fn estimate(&self, from: u32, to: u32) -> u64 {
        let nodes = &self.graph.nodes;
        match (nodes.get(from as usize), nodes.get(to as usize)) {
            (Some(&a), Some(&b)) => (planar_m(a, b) * 10.0 * self.millis_per_dm) as u64,
            _ => 0,
        }
    }

    /// The quickest route from node `from` to node `to`, or `None` where there is none.
    pub fn route(&self, from: u32, to: u32, options: Options) -> Option<Route> {
        let graph = self.graph;
        let count = graph.node_count() as u32;
        if from >= count || to >= count {
            return None;
        }
        if from == to {
            return Some(Route {
                edges: Vec::new(),
                millis: 0,
                length_dm: 0,
            });
        }
        let starts: Vec<(u32, u64)> = graph
            .edges_from(from)
            .map(|edge| (edge as u32, u64::from(graph.edges[edge].millis)))
            .collect();
        self.search(&starts, to, options)
    }

    /// The quickest route for a car on edge `edge` (the route starts with it) to node `to`:
    /// what re-routing needs, since the car cannot turn back where it is.
    pub fn route_from_edge(&self, edge: u32, to: u32, options: Options) -> Option<Route> {
        let first = self.graph.edges.get(edge as usize)?;
        if (to as usize) >= self.graph.node_count() {
            return None;
        }
        if first.to == to {
            return Some(self.unwind(edge, &[]));
        }
        self.search(&[(edge, 0)], to, options)
    }

    /// A* from `starts` (edges, with what reaching their end costs) to node `to`.
    fn search(&self, starts: &[(u32, u64)], to: u32, options: Options) -> Option<Route> {
        let graph = self.graph;
        let mut best = vec![u64::MAX; graph.edges.len()];
        let mut came_from = vec![u32::MAX; graph.edges.len()];
        let mut open = BinaryHeap::new();
        for &(edge, cost) in starts {
            best[edge as usize] = cost;
            let head = graph.edges[edge as usize].to;
            open.push(Reverse((cost + self.estimate(head, to), cost, edge)));
        }
        while let Some(Reverse((_, cost, edge))) = open.pop() {
            if cost > best[edge as usize] {
                continue;
            }
            let head = graph.edges[edge as usize].to;
            if head == to {
                return Some(self.unwind(edge, &came_from));
            }
            let tail = graph.edge_source(edge);
            let dead_end = graph.edges_from(head).len() <= 1;
            for next in graph.edges_from(head) {
                // Turning back is for dead ends only, not the middle of a street.
                if graph.edges[next].to == tail && !dead_end {
                    continue;
                }
                if options.turn_restrictions && !graph.turn_allowed(edge, next as u32) {
                    continue;
                }
                let next_cost = cost + u64::from(graph.edges[next].millis);
                if next_cost < best[next] {
                    best[next] = next_cost;
                    came_from[next] = edge;
                    let next_head = graph.edges[next].to;
                    open.push(Reverse((
                        next_cost + self.estimate(next_head, to),
                        next_cost,
                        next as u32,
                    )));
                }
            }
        }
        None
    }

    fn unwind(&self, last: u32, came_from: &[u32]) -> Route {
        let mut edges = vec![last];
        let mut edge = last;
        while let Some(&previous) = came_from.get(edge as usize) {
            // No route is longer than the graph has edges: a bound on the walk back, should
            // zero-length edges ever tie the search in a loop.
            if previous == u32::MAX || edges.len() > came_from.len() {
                break;
            }
            edges.push(previous);
            edge = previous;
        }
        edges.reverse();
        let (millis, length_dm) = edges.iter().fold((0u64, 0u64), |(millis, length), &edge| {
            let edge = &self.graph.edges[edge as usize];
            (
                millis + u64::from(edge.millis),
                length + u64::from(edge.length_dm),
            )
        });
        Route {
            edges,
            millis,
            length_dm,
        }
    }
}
