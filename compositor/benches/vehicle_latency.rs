//! From a CAN frame reaching Cowl to the D-Bus PropertiesChanged a client receives. Frames
//! are injected with org.cowl.Debug1.CanFrame (the path of a SocketCAN frame from decoding
//! on), and the time runs from just before that call to the signal's arrival at our client
//! on a private dbus-daemon: an upper bound, as it includes the injecting call's own trip.
//! A gear change (discrete: signalled at once) and a speed change (continuous: coalesced to
//! at most 10 signals a second by design) are measured separately.
//!
//! `cargo bench -p cowl --bench vehicle_latency` prints a Markdown table for BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::Compositor;
use common::bus::PrivateBus;
use cowl_sdk::shell::Debug1Proxy;
use cowl_sdk::vehicle::Vehicle1Proxy;
use cowl_sdk::vehicle::names::{CURRENT_GEAR, SPEED};
use futures_util::StreamExt;

const SAMPLES: usize = 200;

/// Injects `frames[i % 2]` and waits for Values to show `expect(i % 2)`; the latencies.
fn measure(
    debug: &Debug1Proxy<'_>,
    vehicle: &Vehicle1Proxy<'_>,
    frames: [&str; 2],
    shows: impl Fn(&std::collections::HashMap<String, zbus::OwnedVariant>, usize) -> bool,
) -> Vec<Duration> {
    zbus::block_on(async {
        let mut changes = vehicle.receive_values_changed().await;
        let mut latencies = Vec::with_capacity(SAMPLES);
        for index in 0..SAMPLES {
            let start = Instant::now();
            debug
                .can_frame("can0", frames[index % 2])
                .await
                .expect("CanFrame");
            loop {
                let change = changes.next().await.expect("a Values change");
                let values = change.get().await.expect("Values");
                if shows(&values, index % 2) {
                    break;
                }
            }
            latencies.push(start.elapsed());
        }
        latencies.sort();
        latencies
    })
}

fn row(what: &str, latencies: &[Duration]) -> String {
    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
    format!(
        "| {what} | {} | {} | {} |",
        ms(common::percentile(latencies, 0.5)),
        ms(common::percentile(latencies, 0.95)),
        ms(*latencies.last().expect("samples"))
    )
}

fn main() {
    let bus = PrivateBus::start();
    let _compositor = Compositor::start_with_config(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--vehicle",
            "none",
            "--debug-input",
        ],
        &bus.env(),
        "# defaults\n",
    );
    let connection = bus.connect();
    let debug = zbus::block_on(Debug1Proxy::new(&connection)).expect("Debug1 proxy");
    let vehicle = zbus::block_on(Vehicle1Proxy::new(&connection)).expect("Vehicle1 proxy");
    let text = |values: &std::collections::HashMap<String, zbus::OwnedVariant>, name: &str| {
        values.get(name).map(|value| value.to_string())
    };
    let gear = measure(&debug, &vehicle, ["123#33", "123#11"], |values, index| {
        text(values, CURRENT_GEAR).as_deref() == Some(["\"D\"", "\"R\""][index])
    });
    // 10.00 and 20.00 km/h.
    let speed = measure(
        &debug,
        &vehicle,
        ["100#E803010000000000", "100#D007010000000000"],
        |values, index| text(values, SPEED).as_deref() == Some(["10.", "20."][index]),
    );
    println!("| change | median (ms) | p95 (ms) | max (ms) |");
    println!("|---|---|---|---|");
    println!("{}", row("gear (discrete, at once)", &gear));
    println!("{}", row("speed (continuous, at most 10/s)", &speed));
}
