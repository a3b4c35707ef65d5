//! How OpenStreetMap tags become Cowl's map: which ways are drawn as which road class, which
//! are driveable, at what speed, in which direction, and which areas and places are kept.
//!
//! These rules are the routing's specification. `assets/map/route-reference.py` implements
//! them again, independently (pyosmium and networkx), to make the route fixtures the router
//! is checked against: a change here must be made there too.

use serde::{Deserialize, Serialize};

/// A drawn way, from the biggest road down to a footpath.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    /// unclassified, residential, living_street
    Minor,
    Service,
    /// footway, pedestrian, path, cycleway, steps, track: drawn thin, never routed.
    Path,
}

/// What a `highway=*` way is to the map: its class, its driving speed (`None` where cars may
/// not go), and whether it is a link (slip road).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Highway {
    pub class: RoadClass,
    pub default_speed_kmh: Option<f64>,
    pub link: bool,
}

/// The `highway` values the map keeps.
pub fn highway(value: &str) -> Option<Highway> {
    use RoadClass::*;
    let (class, speed, link) = match value {
        "motorway" => (Motorway, Some(100.0), false),
        "motorway_link" => (Motorway, Some(60.0), true),
        "trunk" => (Trunk, Some(80.0), false),
        "trunk_link" => (Trunk, Some(50.0), true),
        "primary" => (Primary, Some(50.0), false),
        "primary_link" => (Primary, Some(40.0), true),
        "secondary" => (Secondary, Some(40.0), false),
        "secondary_link" => (Secondary, Some(30.0), true),
        "tertiary" => (Tertiary, Some(40.0), false),
        "tertiary_link" => (Tertiary, Some(30.0), true),
        "unclassified" | "residential" => (Minor, Some(30.0), false),
        "living_street" => (Minor, Some(10.0), false),
        "service" => (Service, Some(15.0), false),
        "pedestrian" | "footway" | "path" | "cycleway" | "steps" | "track" | "bridleway" => {
            (Path, None, false)
        }
        _ => return None,
    };
    Some(Highway {
        class,
        default_speed_kmh: speed,
        link,
    })
}

/// `maxspeed` as km/h: a plain number, or a number followed by " mph". Anything else (zone
/// names such as `FI:urban`, `signals`, `walk`) leaves the class's default speed.
pub fn maxspeed_kmh(value: &str) -> Option<f64> {
    let value = value.trim();
    let (number, factor) = match value.strip_suffix("mph") {
        Some(number) => (number.trim(), 1.609_344),
        None => (value, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|speed| speed.is_finite() && *speed > 0.0)
        .map(|speed| speed * factor)
}

/// Which ways a car may use, by their direction of travel along the way's node order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Both,
    Forward,
    Backward,
}

/// `oneway`, with roundabouts and motorways one-way unless tagged otherwise.
pub fn direction(oneway: Option<&str>, junction: Option<&str>, highway: &str) -> Direction {
    match oneway {
        Some("yes" | "true" | "1") => Direction::Forward,
        Some("-1" | "reverse") => Direction::Backward,
        Some("no" | "false" | "0") => Direction::Both,
        _ if matches!(junction, Some("roundabout" | "circular")) => Direction::Forward,
        _ if highway == "motorway" => Direction::Forward,
        _ => Direction::Both,
    }
}

/// Whether an access tag's value shuts cars out.
pub fn denies_cars(value: &str) -> bool {
    matches!(value, "no" | "private")
}

/// The tags checked with [`denies_cars`], in no particular order: any one that denies
/// shuts cars out.
pub const CAR_ACCESS_KEYS: [&str; 3] = ["access", "motor_vehicle", "motorcar"];

/// A filled area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AreaKind {
    Water,
    Green,
    Building,
}

/// What kind of area a closed way or a multipolygon with these tags is, if any.
pub fn area_kind(tag: impl Fn(&str) -> Option<String>) -> Option<AreaKind> {
    if tag("building").is_some_and(|value| value != "no") {
        return Some(AreaKind::Building);
    }
    if tag("natural").is_some_and(|value| value == "water")
        || tag("waterway").is_some_and(|value| value == "riverbank")
        || tag("landuse").is_some_and(|value| matches!(value.as_str(), "basin" | "reservoir"))
    {
        return Some(AreaKind::Water);
    }
    let green = tag("leisure")
        .is_some_and(|value| matches!(value.as_str(), "park" | "garden" | "playground" | "pitch"))
        || tag("landuse").is_some_and(|value| {
            matches!(
                value.as_str(),
                "grass" | "forest" | "meadow" | "recreation_ground" | "village_green" | "cemetery"
            )
        })
        || tag("natural").is_some_and(|value| {
            matches!(value.as_str(), "wood" | "scrub" | "heath" | "grassland")
        });
    green.then_some(AreaKind::Green)
}

/// What a named node or area offers as a destination, if it is one worth listing.
pub fn place_kind(tag: impl Fn(&str) -> Option<String>) -> Option<String> {
    const KEPT: [(&str, &[&str]); 4] = [
        (
            "amenity",
            &[
                "cafe",
                "restaurant",
                "fuel",
                "parking",
                "hospital",
                "library",
                "theatre",
                "cinema",
                "university",
                "townhall",
            ],
        ),
        ("tourism", &["museum", "hotel", "attraction", "gallery"]),
        ("railway", &["station"]),
        ("shop", &["supermarket", "mall", "department_store"]),
    ];
    KEPT.iter().find_map(|(key, values)| {
        tag(key)
            .filter(|value| values.contains(&value.as_str()))
            .map(|value| format!("{key}={value}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxspeed_takes_numbers_and_mph_and_leaves_zones_to_the_default() {
        assert_eq!(maxspeed_kmh("40"), Some(40.0));
        assert!((maxspeed_kmh("30 mph").unwrap() - 48.28).abs() < 0.01);
        assert_eq!(maxspeed_kmh("FI:urban"), None);
        assert_eq!(maxspeed_kmh("0"), None);
    }

    #[test]
    fn roundabouts_and_motorways_are_one_way_unless_tagged() {
        assert_eq!(
            direction(None, Some("roundabout"), "primary"),
            Direction::Forward
        );
        assert_eq!(direction(None, None, "motorway"), Direction::Forward);
        assert_eq!(direction(Some("no"), None, "motorway"), Direction::Both);
        assert_eq!(
            direction(Some("-1"), None, "residential"),
            Direction::Backward
        );
        assert_eq!(direction(None, None, "residential"), Direction::Both);
    }
}
