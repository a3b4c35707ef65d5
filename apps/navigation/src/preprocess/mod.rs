//! The preprocessing tool's work: an OpenStreetMap extract in, a [`MapData`] out, following
//! the tag rules of [`crate::osm_rules`]. Run as `cowl-nav-mapgen`; `assets/map/make-map.sh`
//! makes the app's map with it.

mod coast;
mod osm;
mod rings;

pub use osm::ReadError;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::geo::{LatLon, Point, Projection, haversine_m};
use crate::mapdata::{Area, Edge, MapData, Place, Polyline, Road, RoadGraph};
use crate::osm_rules::{self, AreaKind, Direction};
use osm::{Extract, MemberKind, Relation, Tags};

/// What the tool made, for its log and its tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub roads: usize,
    pub graph_nodes: usize,
    pub graph_edges: usize,
    pub restrictions_applied: usize,
    /// Restrictions that could not be applied: via a way, or naming ways cars cannot use.
    pub restrictions_skipped: usize,
    pub areas: usize,
    pub places: usize,
    /// Rings of the sea made from the coastline (none: no coastline, or a broken one).
    pub sea_rings: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PreprocessError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {reason}")]
    Unusable { path: String, reason: String },
}

/// Reads the extract at `input` and makes its map.
pub fn preprocess(input: &Path) -> Result<(MapData, Report), PreprocessError> {
    let extract = osm::read(input)?;
    build(&extract).map_err(|reason| PreprocessError::Unusable {
        path: input.display().to_string(),
        reason,
    })
}

fn build(extract: &Extract) -> Result<(MapData, Report), String> {
    let projection = Projection {
        origin: centre(extract.nodes.values()).ok_or("no node has a position")?,
    };
    let mut builder = Builder {
        extract,
        projection,
        names: Vec::new(),
        name_index: HashMap::new(),
        roads: Vec::new(),
        road_of_way: HashMap::new(),
        report: Report::default(),
    };
    let raw_edges = builder.roads_and_edges();
    if raw_edges.is_empty() {
        return Err("no road in it that a car may drive on".into());
    }
    let mut graph = graph_from(raw_edges, &extract.nodes, &projection);
    builder.restrict_turns(&mut graph);
    let points = extract.nodes.values().map(|&at| projection.project(at));
    let bounds = points.fold([[i32::MAX; 2], [i32::MIN; 2]], |[low, high], point| {
        [
            [low[0].min(point[0]), low[1].min(point[1])],
            [high[0].max(point[0]), high[1].max(point[1])],
        ]
    });
    let mut areas = Vec::new();
    // The sea first: lakes, parks and buildings are drawn over it.
    if let Some(rings) = coast::sea(builder.coastline(), bounds) {
        builder.report.sea_rings = rings.len();
        areas.push(Area {
            kind: AreaKind::Water,
            rings,
        });
    }
    areas.extend(builder.areas());
    let places = builder.places();
    let mut report = builder.report;
    report.roads = builder.roads.len();
    report.graph_nodes = graph.nodes.len();
    report.graph_edges = graph.edges.len();
    report.areas = areas.len();
    report.places = places.len();
    let map = MapData {
        projection,
        bounds,
        names: builder.names,
        roads: builder.roads,
        areas,
        places,
        graph,
    };
    map.validate()?;
    Ok((map, report))
}

/// The middle of the positions' bounding box.
fn centre<'a>(positions: impl Iterator<Item = &'a LatLon>) -> Option<LatLon> {
    let mut bounds: Option<[LatLon; 2]> = None;
    for at in positions {
        let [low, high] = bounds.get_or_insert([*at, *at]);
        low.lat = low.lat.min(at.lat);
        low.lon = low.lon.min(at.lon);
        high.lat = high.lat.max(at.lat);
        high.lon = high.lon.max(at.lon);
    }
    bounds.map(|[low, high]| LatLon {
        lat: (low.lat + high.lat) / 2.0,
        lon: (low.lon + high.lon) / 2.0,
    })
}

/// One direction of travel between two consecutive nodes of a way, by OpenStreetMap ids.
struct RawEdge {
    from: i64,
    to: i64,
    millis: u32,
    length_dm: u32,
    road: u32,
}

struct Builder<'a> {
    extract: &'a Extract,
    projection: Projection,
    names: Vec<String>,
    name_index: HashMap<String, u32>,
    roads: Vec<Road>,
    /// Driveable ways' road indices, for turn restrictions.
    road_of_way: HashMap<i64, u32>,
    report: Report,
}

impl Builder<'_> {
    fn name(&mut self, tags: &Tags) -> Option<u32> {
        let name = tags.get("name")?;
        if let Some(&index) = self.name_index.get(name) {
            return Some(index);
        }
        let index = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.name_index.insert(name.to_owned(), index);
        Some(index)
    }

    fn line(&self, refs: &[i64]) -> Vec<Point> {
        refs.iter()
            .filter_map(|id| self.extract.nodes.get(id))
            .map(|&at| self.projection.project(at))
            .collect()
    }

    /// Every drawn road, and the edges of those a car may use.
    fn roads_and_edges(&mut self) -> Vec<RawEdge> {
        let mut edges = Vec::new();
        for way in &self.extract.ways {
            let Some(highway_tag) = way.tags.get("highway") else {
                continue;
            };
            let Some(highway) = osm_rules::highway(highway_tag) else {
                continue;
            };
            let points = self.line(&way.refs);
            if points.len() < 2 {
                continue;
            }
            let road = self.roads.len() as u32;
            let name = self.name(&way.tags);
            self.roads.push(Road {
                class: highway.class,
                link: highway.link,
                name,
                points: Polyline(points),
            });
            let denied = osm_rules::CAR_ACCESS_KEYS
                .iter()
                .any(|key| way.tags.get(key).is_some_and(osm_rules::denies_cars));
            let Some(default_speed) = highway.default_speed_kmh.filter(|_| !denied) else {
                continue;
            };
            self.road_of_way.insert(way.id, road);
            let speed_kmh = way
                .tags
                .get("maxspeed")
                .and_then(osm_rules::maxspeed_kmh)
                .unwrap_or(default_speed);
            let direction = osm_rules::direction(
                way.tags.get("oneway"),
                way.tags.get("junction"),
                highway_tag,
            );
            for pair in way.refs.windows(2) {
                let (Some(&a), Some(&b)) = (
                    self.extract.nodes.get(&pair[0]),
                    self.extract.nodes.get(&pair[1]),
                ) else {
                    continue;
                };
                let metres = haversine_m(a, b);
                let millis = (metres / (speed_kmh / 3.6) * 1000.0).round() as u32;
                let length_dm = (metres * 10.0).round() as u32;
                let edge = |from, to| RawEdge {
                    from,
                    to,
                    millis,
                    length_dm,
                    road,
                };
                if direction != Direction::Backward {
                    edges.push(edge(pair[0], pair[1]));
                }
                if direction != Direction::Forward {
                    edges.push(edge(pair[1], pair[0]));
                }
            }
        }
        edges
    }

    /// Applies the turn restrictions that name a driveable from way, via node and to way.
    fn restrict_turns(&mut self, graph: &mut RoadGraph) {
        let node_index = graph.osm_index();
        let mut banned = BTreeSet::new();
        for relation in &self.extract.relations {
            if relation.tags.get("type") != Some("restriction") {
                continue;
            }
            match self.restriction_bans(relation, graph, &node_index) {
                Some(bans) => {
                    banned.extend(bans);
                    self.report.restrictions_applied += 1;
                }
                None => self.report.restrictions_skipped += 1,
            }
        }
        graph.banned_turns = banned.into_iter().collect();
    }

    fn restriction_bans(
        &self,
        relation: &Relation,
        graph: &RoadGraph,
        node_index: &HashMap<i64, u32>,
    ) -> Option<Vec<(u32, u32)>> {
        let tags = &relation.tags;
        let kind = tags
            .get("restriction:motorcar")
            .or_else(|| tags.get("restriction"))?;
        if tags
            .get("except")
            .is_some_and(|except| except.split(';').any(|mode| mode.trim() == "motorcar"))
        {
            return None;
        }
        let only = |role: &str, kind: MemberKind| {
            let mut matching = relation.members.iter().filter(|member| member.role == role);
            match (matching.next(), matching.next()) {
                (Some(member), None) if member.kind == kind => Some(member.id),
                _ => None,
            }
        };
        let from_road = *self.road_of_way.get(&only("from", MemberKind::Way)?)?;
        let to_road = *self.road_of_way.get(&only("to", MemberKind::Way)?)?;
        let via = *node_index.get(&only("via", MemberKind::Node)?)?;
        let arriving: Vec<u32> = (0..graph.edges.len() as u32)
            .filter(|&edge| {
                let edge = &graph.edges[edge as usize];
                edge.to == via && edge.road == from_road
            })
            .collect();
        let leaving: Vec<u32> = graph.edges_from(via).map(|edge| edge as u32).collect();
        let onto: Vec<u32> = leaving
            .iter()
            .copied()
            .filter(|&edge| graph.edges[edge as usize].road == to_road)
            .collect();
        if arriving.is_empty() || onto.is_empty() {
            return None;
        }
        let banned_exits: Vec<u32> = if kind.starts_with("only_") {
            leaving
                .into_iter()
                .filter(|edge| !onto.contains(edge))
                .collect()
        } else if kind.starts_with("no_") {
            onto
        } else {
            return None;
        };
        Some(
            arriving
                .iter()
                .flat_map(|&from| banned_exits.iter().map(move |&to| (from, to)))
                .collect(),
        )
    }

    /// The coastline ways' runs of nodes inside the extract, each in its way's direction (a
    /// way that leaves the extract and comes back is two runs).
    fn coastline(&self) -> Vec<Vec<Point>> {
        let mut runs = Vec::new();
        for way in &self.extract.ways {
            if way.tags.get("natural") != Some("coastline") {
                continue;
            }
            let mut run = Vec::new();
            for id in &way.refs {
                match self.extract.nodes.get(id) {
                    Some(&at) => run.push(self.projection.project(at)),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run);
            }
        }
        runs
    }

    /// Closed ways and multipolygons with an area kind.
    fn areas(&mut self) -> Vec<Area> {
        let ways: HashMap<i64, &Vec<i64>> = self
            .extract
            .ways
            .iter()
            .map(|way| (way.id, &way.refs))
            .collect();
        let mut areas = Vec::new();
        for way in &self.extract.ways {
            if way.refs.len() < 4 || way.refs.first() != way.refs.last() {
                continue;
            }
            if let Some(kind) = osm_rules::area_kind(way.tags.lookup()) {
                areas.push(Area {
                    kind,
                    rings: vec![Polyline(self.line(&way.refs))],
                });
            }
        }
        for relation in &self.extract.relations {
            if relation.tags.get("type") != Some("multipolygon") {
                continue;
            }
            let Some(kind) = osm_rules::area_kind(relation.tags.lookup()) else {
                continue;
            };
            let members = relation
                .members
                .iter()
                .filter(|member| member.kind == MemberKind::Way)
                .filter_map(|member| ways.get(&member.id).map(|refs| refs.to_vec()))
                .collect();
            let rings: Vec<Polyline> = rings::assemble(members)
                .iter()
                // A ring with a node outside the extract is no ring.
                .filter(|ring| ring.iter().all(|id| self.extract.nodes.contains_key(id)))
                .map(|ring| Polyline(self.line(ring)))
                .collect();
            if !rings.is_empty() {
                areas.push(Area { kind, rings });
            }
        }
        areas
    }

    /// Named nodes and closed ways worth driving to, by name.
    fn places(&self) -> Vec<Place> {
        let mut places: Vec<Place> = Vec::new();
        let mut add = |name: &str, kind: String, at: Point| {
            if !places
                .iter()
                .any(|place| place.name == name && place.kind == kind)
            {
                places.push(Place {
                    name: name.to_owned(),
                    kind,
                    at,
                });
            }
        };
        for node in &self.extract.named_nodes {
            if let (Some(name), Some(kind)) = (
                node.tags.get("name"),
                osm_rules::place_kind(node.tags.lookup()),
            ) {
                add(name, kind, self.projection.project(node.at));
            }
        }
        for way in &self.extract.ways {
            let (Some(name), Some(kind)) = (
                way.tags.get("name"),
                osm_rules::place_kind(way.tags.lookup()),
            ) else {
                continue;
            };
            let points = self.line(&way.refs);
            if points.is_empty() {
                continue;
            }
            let count = points.len() as i64;
            let sum = points.iter().fold([0i64; 2], |sum, point| {
                [sum[0] + i64::from(point[0]), sum[1] + i64::from(point[1])]
            });
            add(
                name,
                kind,
                [(sum[0] / count) as i32, (sum[1] / count) as i32],
            );
        }
        places.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
        places
    }
}

/// The CSR graph of `raw` edges: nodes in OpenStreetMap id order, edges grouped by source in
/// the order they came.
fn graph_from(
    raw: Vec<RawEdge>,
    nodes: &HashMap<i64, LatLon>,
    projection: &Projection,
) -> RoadGraph {
    let ids: BTreeSet<i64> = raw.iter().flat_map(|edge| [edge.from, edge.to]).collect();
    let osm_ids: Vec<i64> = ids.into_iter().collect();
    let index: HashMap<i64, u32> = osm_ids
        .iter()
        .enumerate()
        .map(|(index, &id)| (id, index as u32))
        .collect();
    let mut edges: Vec<(u32, Edge)> = raw
        .iter()
        .map(|edge| {
            (
                index[&edge.from],
                Edge {
                    to: index[&edge.to],
                    millis: edge.millis,
                    length_dm: edge.length_dm,
                    road: edge.road,
                },
            )
        })
        .collect();
    edges.sort_by_key(|(from, _)| *from);
    let mut first_edge = vec![0u32; osm_ids.len() + 1];
    for (from, _) in &edges {
        first_edge[*from as usize + 1] += 1;
    }
    for node in 0..osm_ids.len() {
        first_edge[node + 1] += first_edge[node];
    }
    RoadGraph {
        nodes: osm_ids
            .iter()
            .map(|id| nodes.get(id).map_or([0, 0], |&at| projection.project(at)))
            .collect(),
        osm_ids,
        first_edge,
        edges: edges.into_iter().map(|(_, edge)| edge).collect(),
        banned_turns: Vec::new(),
    }
}
