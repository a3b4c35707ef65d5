//! The router on hand-made graphs with known answers, and on the bundled Helsinki map
//! against routes found by an independent implementation of the same rules (pyosmium and
//! networkx, `assets/map/route-reference.py`).

mod common;

use common::{Sketch, bundled_map};
use cowl_nav::mapdata::MapData;
use cowl_nav::routing::{Options, Router, Turn, maneuvers};

/// The nodes a route passes, from its first edge's start.
fn nodes_of(map: &MapData, edges: &[u32]) -> Vec<u32> {
    let graph = &map.graph;
    let mut nodes = vec![graph.edge_source(edges[0])];
    nodes.extend(edges.iter().map(|&edge| graph.edges[edge as usize].to));
    nodes
}

#[test]
fn the_quickest_route_beats_the_shortest_one() {
    //  0 ---- slow, 1 km ---- 1
    //   \                    /
    //    2 -- fast, 1.4 km -3
    let map = Sketch::new(&[[0, 0], [1000, 0], [200, -200], [800, -200]])
        .road("Slow Lane", &[0, 1], 20.0, false)
        .road("Fast Road", &[0, 2, 3, 1], 80.0, false)
        .map();
    let route = Router::new(&map.graph)
        .route(0, 1, Options::default())
        .unwrap();
    assert_eq!(nodes_of(&map, &route.edges), vec![0, 2, 3, 1]);
    // 1.17 km at 80 km/h: about 52 s, against 180 s on the slow lane.
    assert!(
        (50_000..55_000).contains(&route.millis),
        "{} ms",
        route.millis
    );
}

#[test]
fn one_way_streets_are_driven_only_their_way() {
    // 0 -> 1 is one way; the way back goes round by 2.
    let map = Sketch::new(&[[0, 0], [100, 0], [50, 100]])
        .road("One Way", &[0, 1], 30.0, true)
        .road("Detour", &[1, 2, 0], 30.0, false)
        .map();
    let router = Router::new(&map.graph);
    let forward = router.route(0, 1, Options::default()).unwrap();
    assert_eq!(nodes_of(&map, &forward.edges), vec![0, 1]);
    let back = router.route(1, 0, Options::default()).unwrap();
    assert_eq!(nodes_of(&map, &back.edges), vec![1, 2, 0]);
}

#[test]
fn a_banned_left_turn_sends_the_route_around_the_block() {
    //        4 --- 3
    //        |     |
    //  0 --- 1 --- 2
    // From 0 to 4 is a left at 1, which is banned, and turning back at 2 is no way to
    // drive: straight on, left at 2, round the bend at 3 (no junction: not announced).
    let map = Sketch::new(&[[0, 0], [100, 0], [200, 0], [200, 100], [100, 100]])
        .road("Main Street", &[0, 1, 2], 40.0, false)
        .road("Side Street", &[1, 4], 40.0, false)
        .road("Back Street", &[2, 3, 4], 40.0, false)
        .ban(0, 1, 4)
        .map();
    let router = Router::new(&map.graph);
    let restricted = router.route(0, 4, Options::default()).unwrap();
    assert_eq!(nodes_of(&map, &restricted.edges), vec![0, 1, 2, 3, 4]);
    let unrestricted = router
        .route(
            0,
            4,
            Options {
                turn_restrictions: false,
            },
        )
        .unwrap();
    assert_eq!(nodes_of(&map, &unrestricted.edges), vec![0, 1, 4]);

    let steps: Vec<(Turn, Option<String>)> = maneuvers(&map, &restricted)
        .into_iter()
        .map(|maneuver| (maneuver.turn, maneuver.onto))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Turn::Depart, Some("Main Street".into())),
            (Turn::Left, Some("Back Street".into())),
            (Turn::Arrive, None),
        ],
        "{restricted:?}"
    );
}

#[test]
fn no_route_where_the_roads_do_not_meet() {
    let map = Sketch::new(&[[0, 0], [100, 0], [500, 0], [600, 0]])
        .road("Here", &[0, 1], 30.0, false)
        .road("There", &[2, 3], 30.0, false)
        .map();
    let router = Router::new(&map.graph);
    assert_eq!(router.route(0, 3, Options::default()), None);
    assert_eq!(router.route(0, 99, Options::default()), None);
    assert_eq!(router.route(1, 1, Options::default()).unwrap().millis, 0);
}

#[derive(serde::Deserialize)]
struct Fixture {
    graph_nodes: usize,
    graph_edges: usize,
    routes: Vec<ReferenceRoute>,
}

#[derive(serde::Deserialize)]
struct ReferenceRoute {
    from: i64,
    to: i64,
    millis_without_restrictions: Option<u64>,
    millis: Option<u64>,
}

#[test]
fn routes_across_helsinki_match_an_independent_reference() {
    let map = bundled_map();
    let fixture: Fixture = serde_json::from_str(include_str!("fixtures/helsinki-routes.json"))
        .expect("the fixture parses");
    assert_eq!(map.graph.node_count(), fixture.graph_nodes);
    assert_eq!(map.graph.edges.len(), fixture.graph_edges);
    let index = map.graph.osm_index();
    let router = Router::new(&map.graph);
    let mut found = 0;
    let mut detoured = 0;
    for reference in &fixture.routes {
        let (from, to) = (index[&reference.from], index[&reference.to]);
        let plain = router.route(
            from,
            to,
            Options {
                turn_restrictions: false,
            },
        );
        assert_eq!(
            plain.as_ref().map(|route| route.millis),
            reference.millis_without_restrictions,
            "without restrictions, {} to {}",
            reference.from,
            reference.to
        );
        let restricted = router.route(from, to, Options::default());
        assert_eq!(
            restricted.as_ref().map(|route| route.millis),
            reference.millis,
            "{} to {}",
            reference.from,
            reference.to
        );
        if let Some(route) = restricted {
            found += 1;
            // A route is a chain of edges, and never makes a banned turn.
            for pair in route.edges.windows(2) {
                assert_eq!(
                    map.graph.edges[pair[0] as usize].to,
                    map.graph.edge_source(pair[1])
                );
                assert!(map.graph.turn_allowed(pair[0], pair[1]));
            }
            if reference.millis != reference.millis_without_restrictions {
                detoured += 1;
            }
        }
    }
    // The fixture covers both kinds of answer, and restrictions that matter.
    assert!(found > 150, "{found} routes found");
    assert!(fixture.routes.len() - found > 20);
    assert!(detoured > 10, "{detoured} routes changed by restrictions");
}
