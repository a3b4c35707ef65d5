//! cowl-nav-mapgen as a user runs it: the bundled map is what it makes from the bundled
//! extract, and a damaged or wrong input is refused with the file's name and why, never a
//! crash or a half-written map.

use std::path::{Path, PathBuf};
use std::process::Command;

fn extract() -> PathBuf {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/extract/Helsinki.osm.pbf");
    assert!(
        path.exists(),
        "{} is missing: run `.ci/install-deps test` (it runs assets/map/fetch-extract.sh)",
        path.display()
    );
    path
}

fn mapgen(input: &Path, output: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cowl-nav-mapgen"))
        .arg(input)
        .arg(output)
        .output()
        .expect("run cowl-nav-mapgen")
}

#[test]
fn the_bundled_map_is_what_the_tool_makes_from_the_extract() {
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("helsinki.cowlmap");
    let output = mapgen(&extract(), &made);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/helsinki.cowlmap");
    assert!(
        std::fs::read(&made).unwrap() == std::fs::read(&bundled).unwrap(),
        "assets/map/helsinki.cowlmap is stale: run assets/map/make-map.sh"
    );
    let map = cowl_nav::mapdata::read(&made).unwrap();
    // What a driver will look for is there: named streets, water, parks, buildings, places.
    assert!(map.names.iter().any(|name| name == "Mannerheimintie"));
    for kind in [
        cowl_nav::osm_rules::AreaKind::Water,
        cowl_nav::osm_rules::AreaKind::Green,
        cowl_nav::osm_rules::AreaKind::Building,
    ] {
        assert!(map.areas.iter().any(|area| area.kind == kind), "{kind:?}");
    }
    assert!(map.places.len() > 100);
    assert!(!map.graph.banned_turns.is_empty());
    // The sea, made from the coastline: Kaisaniemenlahti is water, the railway station is not.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("(3 sea rings)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let sea = &map.areas[0];
    assert_eq!(sea.kind, cowl_nav::osm_rules::AreaKind::Water);
    let at = |lat, lon| map.projection.project(cowl_nav::geo::LatLon { lat, lon });
    assert!(sea.contains(at(60.1774, 24.9525)), "the bay");
    assert!(!sea.contains(at(60.1710, 24.9410)), "the station");
}

#[test]
fn damaged_and_wrong_inputs_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(extract()).unwrap();
    let mut flipped = good.clone();
    for byte in flipped.iter_mut().skip(5000).step_by(997) {
        *byte ^= 0x5a;
    }
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "cut.osm.pbf",
            good[..good.len() / 2].to_vec(),
            "not a valid OpenStreetMap PBF",
        ),
        ("flipped.osm.pbf", flipped, "not a valid OpenStreetMap PBF"),
        ("empty.osm.pbf", Vec::new(), "no nodes and no ways"),
        (
            "text.osm.pbf",
            b"<osm version=\"0.6\"></osm>\n".to_vec(),
            "not a valid OpenStreetMap PBF",
        ),
        (
            "map.osm.pbf",
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/map/helsinki.cowlmap"),
            )
            .unwrap(),
            "not a valid OpenStreetMap PBF",
        ),
    ];
    for (name, bytes, reason) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, bytes).unwrap();
        let output_map = dir.path().join(format!("{name}.cowlmap"));
        let output = mapgen(&input, &output_map);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("cowl-nav-mapgen: {}: ", input.display()))
                && stderr.contains(reason)
                && !stderr.contains("panicked"),
            "{name}: {stderr}"
        );
        assert!(!output_map.exists(), "{name}: a map was written");
    }
    let missing = mapgen(&dir.path().join("nowhere.osm.pbf"), &dir.path().join("out"));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("nowhere.osm.pbf: cannot read: No such file"),
        "{stderr}"
    );
}
