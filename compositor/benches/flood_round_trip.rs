//! Another client's round trip while one client floods the compositor: 64 toplevels committed
//! as fast as the compositor reads them (`tests/common/flood.rs`'s Flooder, which also reads
//! its events so that it is never cut off for a full buffer). A victim client times
//! `wl_display.sync` round trips, first alone, then under the flood. Weston 10 runs the same
//! side by side, headless with Pixman, as the peer.
//!
//! `cargo bench -p cowl --bench flood_round_trip` prints a Markdown table for BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::client::TestClient;
use common::flood::Flooder;

const ROUND_TRIPS: usize = 2_000;
const WINDOWS: usize = 64;
/// Commits the flood has sent before the measured round trips begin.
const FLOOD_WARM_UP: u64 = 200_000;

#[derive(Clone, Copy, PartialEq)]
enum Peer {
    Cowl,
    Weston,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Cowl => "Cowl",
            Peer::Weston => "Weston 10",
        }
    }
}

struct Running {
    process: Child,
    _runtime_dir: tempfile::TempDir,
    socket: std::path::PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn start(peer: Peer) -> Running {
    let runtime_dir = common::private_runtime_dir();
    let runtime = runtime_dir.path().to_path_buf();
    let notify_path = runtime.join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("notify socket");
    notify
        .set_read_timeout(Some(common::DEADLINE))
        .expect("timeout");
    let mut command = match peer {
        Peer::Cowl => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_cowl"));
            command.args([
                "--backend",
                "headless",
                "--renderer",
                "pixman",
                "--output",
                "1280x720",
                "--socket",
                "bench",
            ]);
            command.env("RUST_LOG", "warn");
            command
        }
        Peer::Weston => {
            let mut command = Command::new("weston");
            command.args([
                "--backend=headless-backend.so",
                "--modules=systemd-notify.so",
                "--socket=bench",
                "--idle-time=0",
                "--no-config",
                "--width=1280",
                "--height=720",
                "--use-pixman",
            ]);
            command
        }
    };
    let process = command
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("NOTIFY_SOCKET", &notify_path)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the compositor");
    common::wait_for_ready(&notify).expect("the compositor became ready");
    Running {
        process,
        _runtime_dir: runtime_dir,
        socket: runtime.join("bench"),
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
        peer.name(),
        us(percentile(times, 50)),
        us(percentile(times, 99)),
        us(*times.last().expect("round trips"))
    )
}

fn main() {
    let mut rows = Vec::new();
    for peer in [Peer::Cowl, Peer::Weston] {
        let running = start(peer);
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
