//! The map as the app holds it: drawn roads by class with their names, filled areas, a short
//! list of places, and the routable road graph, all in the map's own projection
//! (decimetres around its origin). Made by the preprocessing tool from an OpenStreetMap
//! extract (`preprocess`), kept in one compact file (`file`).

mod file;
mod polyline;

pub use file::{MapFileError, frame_payload, from_bytes, payload_of, read, write};
pub use polyline::Polyline;

use serde::{Deserialize, Serialize};

use crate::geo::{Point, Projection};
use crate::osm_rules::{AreaKind, RoadClass};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapData {
    pub projection: Projection,
    /// South-west and north-east corners of the extract.
    pub bounds: [Point; 2],
    /// Street names, shared by the roads that carry them.
    pub names: Vec<String>,
    pub roads: Vec<Road>,
    pub areas: Vec<Area>,
    pub places: Vec<Place>,
    pub graph: RoadGraph,
}

/// One drawn way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Road {
    pub class: RoadClass,
    pub link: bool,
    /// Index into [`MapData::names`].
    pub name: Option<u32>,
    pub points: Polyline,
}

/// A filled area: its rings (outer and inner alike), filled with the even-odd rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub kind: AreaKind,
    pub rings: Vec<Polyline>,
}

impl Area {
    /// Whether `point` lies in the area, by the even-odd rule it is filled with.
    pub fn contains(&self, point: Point) -> bool {
        let [x, y] = point.map(f64::from);
        let mut inside = false;
        for ring in &self.rings {
            for leg in ring.0.windows(2) {
                let (a, b) = (leg[0].map(f64::from), leg[1].map(f64::from));
                if (a[1] > y) != (b[1] > y) && x < a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
                {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// A destination the driver can pick from a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    /// The tag that made it a place, `amenity=cafe` and the like.
    pub kind: String,
    pub at: Point,
}

/// The directed road graph cars drive on: one node per OpenStreetMap node of a driveable
/// way, one edge per direction a car may travel between two consecutive nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoadGraph {
    pub nodes: Vec<Point>,
    /// Each node's OpenStreetMap id (the route fixtures name nodes by it).
    pub osm_ids: Vec<i64>,
    /// Node `n`'s outgoing edges are `edges[first_edge[n]..first_edge[n + 1]]`.
    pub first_edge: Vec<u32>,
    pub edges: Vec<Edge>,
    /// Turns a car may not make, (from edge, to edge), sorted: from turn restrictions
    /// (`no_*` directly, `only_*` as every other way out of the junction).
    pub banned_turns: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub to: u32,
    /// Travel time at the road's speed, milliseconds.
    pub millis: u32,
    /// Length, decimetres.
    pub length_dm: u32,
    /// The drawn road it runs along (index into [`MapData::roads`]): its name and class.
    pub road: u32,
}

impl RoadGraph {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The indices of `node`'s outgoing edges.
    pub fn edges_from(&self, node: u32) -> std::ops::Range<usize> {
        let node = node as usize;
        match (self.first_edge.get(node), self.first_edge.get(node + 1)) {
            (Some(&first), Some(&end)) => first as usize..end as usize,
            _ => 0..0,
        }
    }

    /// Where edge `edge` starts (found by bisection over `first_edge`).
    pub fn edge_source(&self, edge: u32) -> u32 {
        let after = self.first_edge.partition_point(|&first| first <= edge);
        after.saturating_sub(1) as u32
    }

    /// Node indices by OpenStreetMap id.
    pub fn osm_index(&self) -> std::collections::HashMap<i64, u32> {
        self.osm_ids
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index as u32))
            .collect()
    }

    pub fn turn_allowed(&self, from: u32, to: u32) -> bool {
        self.banned_turns.binary_search(&(from, to)).is_err()
    }
}

impl MapData {
    /// Checks what the format cannot: every index points at something, so that nothing
    /// that reads a map (router, renderer) can be made to panic by a crafted file.
    pub fn validate(&self) -> Result<(), String> {
        let graph = &self.graph;
        let nodes = graph.nodes.len();
        if graph.osm_ids.len() != nodes {
            return Err(format!("{} osm ids for {nodes} nodes", graph.osm_ids.len()));
        }
        if graph.first_edge.len() != nodes + 1 {
            return Err(format!(
                "{} edge offsets for {nodes} nodes",
                graph.first_edge.len()
            ));
        }
        if graph.first_edge.first().is_some_and(|&first| first != 0)
            || graph.first_edge.windows(2).any(|pair| pair[0] > pair[1])
            || graph.first_edge.last().map(|&last| last as usize) != Some(graph.edges.len())
        {
            return Err("edge offsets out of order".into());
        }
        if let Some(edge) = graph
            .edges
            .iter()
            .find(|edge| edge.to as usize >= nodes || edge.road as usize >= self.roads.len())
        {
            return Err(format!("edge {edge:?} points past the map"));
        }
        if graph.banned_turns.windows(2).any(|pair| pair[0] >= pair[1])
            || graph.banned_turns.iter().any(|&(from, to)| {
                from as usize >= graph.edges.len() || to as usize >= graph.edges.len()
            })
        {
            return Err("banned turns out of order or past the edges".into());
        }
        if let Some(road) = self.roads.iter().find(|road| {
            road.name
                .is_some_and(|name| name as usize >= self.names.len())
        }) {
            return Err(format!("road named {:?} past the names", road.name));
        }
        Ok(())
    }

    /// The name of the road an edge runs along.
    pub fn edge_name(&self, edge: &Edge) -> Option<&str> {
        let road = self.roads.get(edge.road as usize)?;
        road.name
            .and_then(|name| self.names.get(name as usize))
            .map(String::as_str)
    }
}
