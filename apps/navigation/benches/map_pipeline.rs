//! The map pipeline's costs: preprocessing the Helsinki extract (cowl-nav-mapgen's work), and
//! route computation across it (the 300 routes of the fixture, with turn restrictions), each
//! beside the independent reference implementation (`assets/map/route-reference.py`:
//! pyosmium reading the extract into a networkx graph, networkx's Dijkstra on the graph's
//! edges) run in the same run.
//!
//! The reference runs in the Python that `COWL_NAV_PYTHON` names (default `python3`); where
//! it cannot import osmium and networkx, only Cowl's figures are printed.
//!
//!     assets/map/fetch-extract.sh
//!     COWL_NAV_PYTHON=/tmp/venv/bin/python cargo bench -p cowl-nav --bench map_pipeline

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cowl_nav::routing::{Options, Router};

const PREPROCESS_RUNS: usize = 20;
/// The fixture's routes are computed this many times over.
const ROUTE_ROUNDS: usize = 20;

const REFERENCE_SCRIPT: &str = r##"
import importlib.util, json, statistics, sys, time
spec = importlib.util.spec_from_file_location("reference", sys.argv[1])
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)
times = []
for _ in range(5):
    start = time.perf_counter()
    reader = reference.Reader()
    reader.apply_file(sys.argv[2], locations=True)
    graph = reference.build_graph(reader)
    turns = reference.edge_graph(graph, reference.banned_transitions(reader, graph), True)
    times.append(time.perf_counter() - start)
pairs = [(route["from"], route["to"]) for route in json.load(open(sys.argv[3]))["routes"]]
start = time.perf_counter()
for source, target in pairs:
    reference.quickest_millis(graph, turns, source, target)
per_route = (time.perf_counter() - start) / len(pairs)
print(statistics.median(times), per_route)
"##;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let extract = root.join("assets/map/extract/Helsinki.osm.pbf");
    let fixture = root.join("apps/navigation/tests/fixtures/helsinki-routes.json");
    assert!(
        extract.exists(),
        "{} is missing: run assets/map/fetch-extract.sh",
        extract.display()
    );

    let preprocess = median(
        (0..PREPROCESS_RUNS)
            .map(|_| {
                let started = Instant::now();
                black_box(cowl_nav::preprocess::preprocess(&extract).expect("the extract reads"));
                started.elapsed()
            })
            .collect(),
    );

    let (map, _) = cowl_nav::preprocess::preprocess(&extract).expect("the extract reads");
    let index = map.graph.osm_index();
    let routes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("the fixture"))
            .expect("the fixture parses");
    let pairs: Vec<(u32, u32)> = routes["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|route| {
            let id = |key: &str| index[&route[key].as_i64().expect("a node id")];
            (id("from"), id("to"))
        })
        .collect();
    let router = Router::new(&map.graph);
    let mut per_route = Vec::new();
    // Each pair's times, for the slowest pair's median (a single slowest run is the
    // scheduler's doing as often as the router's).
    let mut by_pair = vec![Vec::new(); pairs.len()];
    for _ in 0..ROUTE_ROUNDS {
        let started = Instant::now();
        for (&(from, to), times) in pairs.iter().zip(&mut by_pair) {
            let one = Instant::now();
            black_box(router.route(from, to, Options::default()));
            times.push(one.elapsed());
        }
        per_route.push(started.elapsed() / pairs.len() as u32);
    }
    let per_route = median(per_route);
    let slowest = by_pair.into_iter().map(median).max().unwrap_or_default();

    println!(
        "graph: {} nodes, {} edges, {} banned turns",
        map.graph.node_count(),
        map.graph.edges.len(),
        map.graph.banned_turns.len()
    );
    println!(
        "cowl-nav  preprocess {:>9.2} ms   route (mean of {}) {:>8.1} µs   slowest pair {:>8.1} µs",
        preprocess.as_secs_f64() * 1e3,
        pairs.len(),
        per_route.as_secs_f64() * 1e6,
        slowest.as_secs_f64() * 1e6
    );

    let python = std::env::var("COWL_NAV_PYTHON").unwrap_or_else(|_| "python3".into());
    let reference = Command::new(&python)
        .args(["-c", REFERENCE_SCRIPT])
        .arg(root.join("assets/map/route-reference.py"))
        .arg(&extract)
        .arg(&fixture)
        .output();
    match reference {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            let figures: Vec<f64> = text
                .split_whitespace()
                .filter_map(|figure| figure.parse().ok())
                .collect();
            if let [read, route] = figures[..] {
                println!(
                    "reference preprocess {:>9.2} ms   route (mean of {}) {:>8.1} µs",
                    read * 1e3,
                    pairs.len(),
                    route * 1e6
                );
                println!(
                    "cowl-nav/reference: preprocess {:.3}, route {:.4}",
                    preprocess.as_secs_f64() / read,
                    per_route.as_secs_f64() / route
                );
            }
        }
        _ => println!("(no reference: {python} cannot import osmium and networkx)"),
    }
}
