//! Guidance as a driver meets it: position fixes along a route give prompts before and at
//! each turn and the arrival, each once; driving another way gives a new route from the
//! street the car took. On hand-made maps with known answers, and a drive across Helsinki.

mod common;

use std::sync::Arc;

use common::{Sketch, bundled_map};
use cowl_nav::geo::Point;
use cowl_nav::guidance::{Event, Fix, Guidance, OFF_ROUTE_FIXES, Stage};
use cowl_nav::mapdata::MapData;
use cowl_nav::routing::{Options, Router, Turn};

/// Fixes every 10 m along `points` (decimetres), heading along each leg.
fn drive(points: &[Point]) -> Vec<Fix> {
    let mut fixes = Vec::new();
    for leg in points.windows(2) {
        let (a, b) = (leg[0], leg[1]);
        let (dx, dy) = (f64::from(b[0] - a[0]), f64::from(b[1] - a[1]));
        let steps = (dx.hypot(dy) / 100.0).ceil().max(1.0) as usize;
        for step in 0..steps {
            let t = step as f64 / steps as f64;
            fixes.push(Fix {
                at: [
                    (f64::from(a[0]) + dx * t).round() as i32,
                    (f64::from(a[1]) + dy * t).round() as i32,
                ],
                heading: Some(dy.atan2(dx)),
            });
        }
    }
    if let (Some(&end), Some(last)) = (points.last(), fixes.last().copied()) {
        fixes.push(Fix { at: end, ..last });
    }
    fixes
}

/// An L: First Street east from 0 past 1 to 3; Second Street north from 1 to 2; Third
/// Street from 3 north to 4 and west to 2.
fn l_shaped_town() -> Arc<MapData> {
    Arc::new(
        Sketch::new(&[[0, 0], [500, 0], [500, 500], [1000, 0], [1000, 500]])
            .road("First Street", &[0, 1, 3], 40.0, false)
            .road("Second Street", &[1, 2], 40.0, false)
            .road("Third Street", &[3, 4, 2], 40.0, false)
            .map(),
    )
}

fn metres(point: [i32; 2]) -> Point {
    [point[0] * 10, point[1] * 10]
}

#[test]
fn prompts_come_before_and_at_the_turn_and_at_arrival_once_each() {
    let map = l_shaped_town();
    let fixes = drive(&[metres([0, 0]), metres([500, 0]), metres([500, 500])]);
    let mut guidance = Guidance::start(map, fixes[0], 2).expect("a route to node 2");
    assert_eq!(
        guidance
            .maneuvers()
            .iter()
            .map(|maneuver| (maneuver.turn, maneuver.onto.clone()))
            .collect::<Vec<_>>(),
        vec![
            (Turn::Depart, Some("First Street".into())),
            (Turn::Left, Some("Second Street".into())),
            (Turn::Arrive, None),
        ]
    );
    let mut spoken = Vec::new();
    let mut arrived_at = None;
    for (index, fix) in fixes.iter().enumerate() {
        for event in guidance.update(*fix) {
            match event {
                Event::Prompt { maneuver, stage } => spoken.push((maneuver, stage, fix.at)),
                Event::Arrived => arrived_at = Some(index),
                Event::OffRoute | Event::Rerouted => panic!("{event:?} at {:?}", fix.at),
                Event::Progress(_) => {}
            }
        }
    }
    assert_eq!(
        spoken
            .iter()
            .map(|(maneuver, stage, _)| (*maneuver, *stage))
            .collect::<Vec<_>>(),
        vec![(1, Stage::Prepare), (1, Stage::Now), (2, Stage::Now)]
    );
    // Prepare 200 m before the turn, the turn itself within 40 m of it.
    assert_eq!(spoken[0].2, metres([300, 0]));
    assert_eq!(spoken[1].2, metres([460, 0]));
    assert!(spoken[2].2[1] >= metres([0, 475])[1], "{:?}", spoken[2]);
    assert!(arrived_at.is_some());
}

#[test]
fn without_fixes_the_car_is_carried_along_the_route_round_the_turn() {
    let map = l_shaped_town();
    let start = Fix {
        at: metres([100, 0]),
        heading: Some(0.0),
    };
    let mut guidance = Guidance::start(map, start, 2).expect("a route to node 2");
    guidance.update(start);
    // GNSS lost at 100 m along First Street: 450 m by the wheels in 50 m steps.
    let mut last = None;
    let mut spoken = Vec::new();
    for _ in 0..9 {
        for event in guidance.dead_reckon(50.0) {
            match event {
                Event::Progress(progress) => last = Some(progress),
                Event::Prompt { maneuver, stage } => spoken.push((maneuver, stage)),
                other => panic!("{other:?} while reckoning"),
            }
        }
    }
    let last = last.expect("progress while reckoning");
    // 100 + 450 m along the route: round the corner, 50 m up Second Street.
    assert_eq!(last.on_route, metres([500, 50]));
    assert!((last.heading - std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    assert!((last.remaining_m - 450.0).abs() < 0.5, "{last:?}");
    assert_eq!(spoken, [(1, Stage::Prepare), (1, Stage::Now)]);
    // The next fix puts the car right where GNSS says.
    let events = guidance.update(Fix {
        at: metres([500, 100]),
        heading: Some(std::f64::consts::FRAC_PI_2),
    });
    assert!(
        events.iter().any(|event| matches!(
            event,
            Event::Progress(progress) if progress.on_route == metres([500, 100])
        )),
        "{events:?}"
    );
    // Nonsense distances move nothing.
    assert!(guidance.dead_reckon(f64::NAN).is_empty());
    assert!(guidance.dead_reckon(-5.0).is_empty());
}

#[test]
fn driving_past_the_turn_routes_again_from_the_street_taken() {
    let map = l_shaped_town();
    // The route says left at 1; the driver goes straight on towards 3.
    let fixes = drive(&[metres([0, 0]), metres([500, 0]), metres([700, 0])]);
    let mut guidance = Guidance::start(map.clone(), fixes[0], 2).expect("a route");
    let mut events = Vec::new();
    for fix in &fixes {
        events.extend(guidance.update(*fix));
    }
    let off = events
        .iter()
        .position(|e| *e == Event::OffRoute)
        .expect("off route");
    assert_eq!(events.get(off + 1), Some(&Event::Rerouted));
    assert_eq!(
        events.iter().filter(|e| **e == Event::OffRoute).count(),
        1,
        "one reroute is enough: {events:?}"
    );
    // Off route only after a few fixes past the junction (GNSS noise is not a new way).
    let fixes_past_junction = fixes
        .iter()
        .filter(|fix| fix.at[0] > metres([525, 0])[0])
        .count();
    assert!(fixes_past_junction >= OFF_ROUTE_FIXES as usize);
    // The new route goes on along First Street and comes back by Third Street.
    let graph = &map.graph;
    let mut nodes = vec![graph.edge_source(guidance.route().edges[0])];
    nodes.extend(
        guidance
            .route()
            .edges
            .iter()
            .map(|&e| graph.edges[e as usize].to),
    );
    assert_eq!(nodes, vec![1, 3, 4, 2]);
    assert_eq!(
        guidance.maneuvers()[1].onto.as_deref(),
        Some("Third Street"),
        "{:?}",
        guidance.maneuvers()
    );
}

#[test]
fn a_drive_across_helsinki_is_guided_to_the_end() {
    let map = Arc::new(bundled_map());
    let graph = &map.graph;
    // The longest of a few routes from one node: a drive with several turns.
    let router = Router::new(graph);
    let planned = (0..graph.node_count() as u32)
        .step_by(53)
        .filter_map(|to| {
            router
                .route(0, to, Options::default())
                .map(|route| (to, route))
        })
        .max_by_key(|(_, route)| route.length_dm)
        .expect("routes from node 0");
    let (destination, route) = planned;
    let fixes = drive(&route.line(graph).0);

    let mut guidance = Guidance::start(map.clone(), fixes[0], destination).expect("guidance");
    let turns = guidance.maneuvers().len() - 2;
    assert!(turns >= 3, "{:?}", guidance.maneuvers());
    let mut said_now = Vec::new();
    let mut arrived = false;
    for fix in &fixes {
        for event in guidance.update(*fix) {
            match event {
                Event::Prompt {
                    maneuver,
                    stage: Stage::Now,
                } => said_now.push(maneuver),
                Event::Arrived => arrived = true,
                Event::OffRoute | Event::Rerouted => panic!("{event:?} at {:?}", fix.at),
                _ => {}
            }
        }
    }
    assert!(arrived, "never arrived");
    // Every maneuver after the start was announced at its place, in order, once.
    assert_eq!(
        said_now,
        (1..guidance.maneuvers().len()).collect::<Vec<_>>()
    );
}
