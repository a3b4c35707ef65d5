//! Shared by cowl-nav's tests: hand-made maps with known answers, and the bundled map.
#![allow(dead_code)]

use std::path::Path;

use cowl_nav::geo::{LatLon, Point, Projection};
use cowl_nav::mapdata::{Edge, MapData, Polyline, Road, RoadGraph};
use cowl_nav::osm_rules::RoadClass;

pub fn bundled_map() -> MapData {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/helsinki.cowlmap");
    cowl_nav::mapdata::read(&path).expect("the bundled map reads")
}

/// A hand-made map: named straight roads between points, each direction an edge.
pub struct Sketch {
    points: Vec<Point>,
    names: Vec<String>,
    roads: Vec<Road>,
    /// (from, to, road, km/h)
    edges: Vec<(u32, u32, u32, f64)>,
    banned: Vec<(u32, u32)>,
}

impl Sketch {
    /// Nodes at `points` (metres).
    pub fn new(points: &[[i32; 2]]) -> Sketch {
        Sketch {
            points: points.iter().map(|p| [p[0] * 10, p[1] * 10]).collect(),
            names: Vec::new(),
            roads: Vec::new(),
            edges: Vec::new(),
            banned: Vec::new(),
        }
    }

    /// A road through `nodes`, both ways unless `one_way`.
    pub fn road(&mut self, name: &str, nodes: &[u32], kmh: f64, one_way: bool) -> &mut Sketch {
        let road = self.roads.len() as u32;
        self.names.push(name.to_owned());
        self.roads.push(Road {
            class: RoadClass::Minor,
            link: false,
            name: Some(road),
            points: Polyline(nodes.iter().map(|&n| self.points[n as usize]).collect()),
        });
        for pair in nodes.windows(2) {
            self.edges.push((pair[0], pair[1], road, kmh));
            if !one_way {
                self.edges.push((pair[1], pair[0], road, kmh));
            }
        }
        self
    }

    /// Bans the turn from the edge `a→b` to the edge `b→c`.
    pub fn ban(&mut self, a: u32, b: u32, c: u32) -> &mut Sketch {
        self.banned.push((a, b * 1000 + c));
        self
    }

    pub fn map(&self) -> MapData {
        let mut edges: Vec<(u32, u32, u32, f64)> = self.edges.clone();
        edges.sort_by_key(|edge| edge.0);
        let index_of = |from: u32, to: u32| {
            edges
                .iter()
                .position(|edge| edge.0 == from && edge.1 == to)
                .expect("a sketched edge") as u32
        };
        let mut banned: Vec<(u32, u32)> = self
            .banned
            .iter()
            .map(|&(a, bc)| {
                let (b, c) = (bc / 1000, bc % 1000);
                (index_of(a, b), index_of(b, c))
            })
            .collect();
        banned.sort();
        let mut first_edge = vec![0u32; self.points.len() + 1];
        for edge in &edges {
            first_edge[edge.0 as usize + 1] += 1;
        }
        for node in 0..self.points.len() {
            first_edge[node + 1] += first_edge[node];
        }
        let metres = |a: u32, b: u32| {
            let (pa, pb) = (self.points[a as usize], self.points[b as usize]);
            f64::from(pa[0] - pb[0]).hypot(f64::from(pa[1] - pb[1])) / 10.0
        };
        let map = MapData {
            projection: Projection {
                origin: LatLon {
                    lat: 60.17,
                    lon: 24.94,
                },
            },
            bounds: [[-10_000, -10_000], [10_000, 10_000]],
            names: self.names.clone(),
            roads: self.roads.clone(),
            areas: Vec::new(),
            places: Vec::new(),
            graph: RoadGraph {
                nodes: self.points.clone(),
                osm_ids: (0..self.points.len() as i64).collect(),
                first_edge,
                edges: edges
                    .iter()
                    .map(|&(from, to, road, kmh)| Edge {
                        to,
                        millis: (metres(from, to) / (kmh / 3.6) * 1000.0).round() as u32,
                        length_dm: (metres(from, to) * 10.0).round() as u32,
                        road,
                    })
                    .collect(),
                banned_turns: banned,
            },
        };
        map.validate().expect("a consistent sketch");
        map
    }
}
