//! Another client's round trip while one client floods the compositor: 64 toplevels committed
//! as fast as the compositor reads them (`tests/common/flood.rs`'s Flooder, which also reads
//! its events so that it is never cut off for a full buffer). A victim client times
//! `wl_display.sync` round trips, first alone, then under the flood. Weston 10 runs the same
//! side by side, headless with Pixman, as the peer (`tests/common/peer.rs` starts both).
//!
//! `cargo bench -p cowl --bench flood_round_trip` prints a Markdown table for BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::client::TestClient;
use common::flood::Flooder;
use common::peer::{Peer, Renderer};

const ROUND_TRIPS: usize = 2_000;
const WINDOWS: usize = 64;
/// Commits the flood has sent before the measured round trips begin.
const FLOOD_WARM_UP: u64 = 200_000;

fn name(peer: Peer) -> &'static str {
    match peer {
        Peer::Cowl => "Cowl",
        Peer::Weston => "Weston 10",
    }
}

/// Percentile `p` (0..=100) of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}

fn round_trips(victim: &mut TestClient) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..ROUND_TRIPS).map(|_| victim.round_trip()).collect();
    times.sort();
    times
}

fn row(peer: Peer, case: &str, times: &[Duration]) -> String {
    let us = |duration: Duration| duration.as_micros();
    format!(
        "| {} | {case} | {} | {} | {} |",
        name(peer),
        us(percentile(times, 50)),
        us(percentile(times, 99)),
        us(*times.last().expect("round trips"))
    )
}

fn main() {
    let mut rows = Vec::new();
    for peer in [Peer::Cowl, Peer::Weston] {
        // Cowl with every default (no panels, no camera), as the core's tests run it.
        let (running, _) =
            common::peer::start(peer, Renderer::Pixman, (1280, 720), "# every default\n");
        let mut victim = TestClient::connect(&running.socket, "org.cowl.BenchVictim");
        victim.draw(0x0000_ff00);
        rows.push(row(peer, "alone", &round_trips(&mut victim)));
        let flooder = Flooder::start(&running.socket, WINDOWS);
        while flooder.commits() < FLOOD_WARM_UP {
            victim.round_trip();
        }
        let flooded = round_trips(&mut victim);
        let commits = flooder.commits();
        let ended = flooder.stop();
        rows.push(row(
            peer,
            &format!("under the flood ({commits} commits; flooder {ended:?})"),
            &flooded,
        ));
    }
    println!("| compositor | victim | p50 µs | p99 µs | max µs |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
