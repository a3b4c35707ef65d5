//! Reads an OpenStreetMap PBF extract into memory: every node's position, every way's node
//! list, the tags of the ways and nodes the map might keep, and the relations it uses
//! (multipolygons, turn restrictions). A city extract is a few hundred thousand elements:
//! one pass, all in memory, is simplest and fast.

use std::collections::HashMap;
use std::path::Path;

use osmpbf::{Element, ElementReader, RelMemberType};

use crate::geo::LatLon;

#[derive(Debug, Clone, Default)]
pub struct Tags(pub Vec<(String, String)>);

impl Tags {
    fn from_iter<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
        Tags(
            tags.map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(candidate, _)| candidate == key)
            .map(|(_, value)| value.as_str())
    }

    /// For the rules, which take an owned lookup.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |key| self.get(key).map(str::to_owned)
    }
}

#[derive(Debug, Clone)]
pub struct Way {
    pub id: i64,
    pub refs: Vec<i64>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    Node,
    Way,
    Relation,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub kind: MemberKind,
    pub id: i64,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub tags: Tags,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone)]
pub struct TaggedNode {
    pub at: LatLon,
    pub tags: Tags,
}

#[derive(Debug, Default)]
pub struct Extract {
    pub nodes: HashMap<i64, LatLon>,
    /// Nodes with a name (possible places).
    pub named_nodes: Vec<TaggedNode>,
    /// Every way, in file order (multipolygon members need even the untagged ones).
    pub ways: Vec<Way>,
    pub relations: Vec<Relation>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a valid OpenStreetMap PBF file: {reason}")]
    Malformed { path: String, reason: String },
}

/// Reads `path` whole. A damaged file is an error naming it, never a panic: the PBF reader
/// trusts some of what it decodes, so its panics are caught and reported as damage too.
pub fn read(path: &Path) -> Result<Extract, ReadError> {
    let shown = path.display().to_string();
    if let Err(source) = std::fs::metadata(path) {
        return Err(ReadError::Io {
            path: shown,
            source,
        });
    }
    let malformed = |reason: String| ReadError::Malformed {
        path: shown.clone(),
        reason,
    };
    let outcome = std::panic::catch_unwind(|| {
        let mut extract = Extract::default();
        let reader = ElementReader::from_path(path)?;
        reader
            .for_each(|element| extract.add(element))
            .map(|()| extract)
    });
    match outcome {
        Ok(Ok(extract)) if extract.nodes.is_empty() && extract.ways.is_empty() => {
            Err(malformed("no nodes and no ways in it".into()))
        }
        Ok(Ok(extract)) => Ok(extract),
        Ok(Err(err)) => Err(malformed(err.to_string())),
        Err(_) => Err(malformed("the reader stopped on inconsistent data".into())),
    }
}

impl Extract {
    fn add(&mut self, element: Element<'_>) {
        match element {
            Element::Node(node) => {
                let at = LatLon {
                    lat: node.lat(),
                    lon: node.lon(),
                };
                self.add_node(node.id(), at, || Tags::from_iter(node.tags()));
            }
            Element::DenseNode(node) => {
                let at = LatLon {
                    lat: node.lat(),
                    lon: node.lon(),
                };
                self.add_node(node.id(), at, || Tags::from_iter(node.tags()));
            }
            Element::Way(way) => self.ways.push(Way {
                id: way.id(),
                refs: way.refs().collect(),
                tags: Tags::from_iter(way.tags()),
            }),
            Element::Relation(relation) => {
                let tags = Tags::from_iter(relation.tags());
                if !matches!(tags.get("type"), Some("multipolygon" | "restriction")) {
                    return;
                }
                let members = relation
                    .members()
                    .map(|member| Member {
                        kind: match member.member_type {
                            RelMemberType::Node => MemberKind::Node,
                            RelMemberType::Way => MemberKind::Way,
                            RelMemberType::Relation => MemberKind::Relation,
                        },
                        id: member.member_id,
                        role: member.role().unwrap_or_default().to_owned(),
                    })
                    .collect();
                self.relations.push(Relation { tags, members });
            }
        }
    }

    fn add_node(&mut self, id: i64, at: LatLon, tags: impl FnOnce() -> Tags) {
        self.nodes.insert(id, at);
        let tags = tags();
        if tags.get("name").is_some() {
            self.named_nodes.push(TaggedNode { at, tags });
        }
    }
}
