//! Cowl against Weston 10, side by side in one run on the same machine, same clients.
//!
//! For each renderer (Pixman on the CPU; GLES/GL on Mesa's llvmpipe when no GPU is present),
//! both compositors are started headless on a 1920x720 output and put through the same
//! phases:
//!
//! 1. exec until READY=1 (sd_notify; Weston through its systemd-notify module);
//! 2. exec until a probe client's first buffer is presented (wp_presentation);
//! 3. RSS with weston-simple-shm and foot connected and drawn;
//! 4. CPU over 10 s of idle (foot and the probe connected, nothing changing);
//! 5. CPU per frame while weston-simple-shm animates, frames counted by the probe's
//!    presentation feedback.
//!
//! Weston runs with its default desktop-shell (kiosk-shell stops sending frame callbacks to
//! a second toplevel on its headless backend, which stalls the probe); desktop-shell's
//! background and panel are drawn once and then idle. Cowl runs its shipped configuration
//! (status bar and dock drawn by its chrome), less the rear camera's pipeline (see
//! `cowl_config`), with the probe declared a popup-role app, so
//! that it floats above the active app: Cowl shows one main app at a time, so foot stays
//! connected but hidden behind weston-simple-shm, where Weston shows all three. Run with
//! `cargo bench -p cowl --bench versus_weston`; it prints a Markdown table for BENCHMARKS.md.
//!
//! Each configuration runs `RUNS` times, alternating Cowl and Weston, and every metric is
//! the median of its runs: the first GL run of either fills Mesa's shader cache, and the
//! median keeps that one-off cost out of both columns.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::client::TestClient;
use common::peer::{Peer, Renderer, Running};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 720;
const IDLE_SECONDS: u64 = 10;
const ANIMATION_SECONDS: u64 = 5;
const RUNS: usize = 3;
/// Settling time for clients we cannot observe inside Weston (it has no screencopy).
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, Default, Clone)]
struct Measurements {
    ready: Duration,
    first_frame: Duration,
    rss_kib: u64,
    idle_cpu: Duration,
    cpu_per_frame: Duration,
    frames: usize,
}

fn cowl_config() -> String {
    let shipped = common::peer::shipped_config_without_camera();
    format!(
        "{shipped}\n[[apps]]\nid = \"org.cowl.BenchProbe\"\nname = \"Probe\"\nrole = \"popup\"\n"
    )
}

/// A 64x64 probe window: small, so that its own drawing costs the compositor next to nothing.
fn probe(running: &Running, start: Instant) -> (TestClient, Duration) {
    let mut probe = TestClient::connect(&running.socket, "org.cowl.BenchProbe");
    probe.draw_sized(0x00ff_8000, 64, 64);
    probe.wait_for_frames(1);
    (probe, start.elapsed())
}

fn measure(peer: Peer, renderer: Renderer) -> Measurements {
    let progress = |phase: &str| eprintln!("versus_weston: {peer:?} {renderer:?}: {phase}");
    progress("starting");
    let exec = Instant::now();
    let (mut running, ready) = common::peer::start(peer, renderer, (WIDTH, HEIGHT), &cowl_config());
    progress("ready; first frame");
    let (first_probe, first_frame) = probe(&running, exec);
    progress("clients");
    drop(first_probe);

    let shm = running.spawn_memory_clients();
    std::thread::sleep(SETTLE);
    let rss_kib = running.rss_kib();

    running.kill(shm);
    progress("idle");
    let (idle_probe, _) = probe(&running, Instant::now());
    std::thread::sleep(SETTLE);
    let idle_start = running.cpu_time();
    std::thread::sleep(Duration::from_secs(IDLE_SECONDS));
    let idle_cpu = running.cpu_time() - idle_start;
    drop(idle_probe);

    running.spawn("weston-simple-shm", &[]);
    std::thread::sleep(SETTLE);
    progress("animation");
    let (mut counter, _) = probe(&running, Instant::now());
    let counted_before = counter.state.feedback.len();
    let animation_start = running.cpu_time();
    let until = Instant::now() + Duration::from_secs(ANIMATION_SECONDS);
    while Instant::now() < until {
        let next = counter.state.feedback.len() + 1;
        counter.commit_for_feedback();
        counter.wait_for_frames(next);
    }
    let animation_cpu = running.cpu_time() - animation_start;
    let frames = counter.state.feedback.len() - counted_before;

    Measurements {
        ready,
        first_frame,
        rss_kib,
        idle_cpu,
        cpu_per_frame: animation_cpu / frames.max(1) as u32,
        frames,
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn us(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

fn median<T: Clone + Ord>(runs: &[Measurements], field: impl Fn(&Measurements) -> T) -> T {
    let mut values: Vec<T> = runs.iter().map(field).collect();
    values.sort();
    values[values.len() / 2].clone()
}

/// The median of each metric over several runs.
fn median_of(runs: &[Measurements]) -> Measurements {
    Measurements {
        ready: median(runs, |m| m.ready),
        first_frame: median(runs, |m| m.first_frame),
        rss_kib: median(runs, |m| m.rss_kib),
        idle_cpu: median(runs, |m| m.idle_cpu),
        cpu_per_frame: median(runs, |m| m.cpu_per_frame),
        frames: median(runs, |m| m.frames),
    }
}

fn ratio(cowl: f64, weston: f64) -> String {
    if weston == 0.0 {
        "n/a".to_string()
    } else {
        format!("{:.2}", cowl / weston)
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run passes nothing and
    // should not spend a minute here.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("versus_weston: run with `cargo bench -p cowl --bench versus_weston`");
        return;
    }
    println!("| renderer | metric | Cowl | Weston 10 | Cowl/Weston |");
    println!("|---|---|---|---|---|");
    for renderer in [Renderer::Pixman, Renderer::Gl] {
        let mut cowl_runs = Vec::new();
        let mut weston_runs = Vec::new();
        for _ in 0..RUNS {
            cowl_runs.push(measure(Peer::Cowl, renderer));
            weston_runs.push(measure(Peer::Weston, renderer));
        }
        let cowl = median_of(&cowl_runs);
        let weston = median_of(&weston_runs);
        let name = match renderer {
            Renderer::Pixman => "pixman",
            Renderer::Gl => "GL (llvmpipe)",
        };
        let rows = [
            (
                "exec to READY=1",
                ms(cowl.ready),
                ms(weston.ready),
                ratio(cowl.ready.as_secs_f64(), weston.ready.as_secs_f64()),
            ),
            (
                "exec to first presented frame",
                ms(cowl.first_frame),
                ms(weston.first_frame),
                ratio(
                    cowl.first_frame.as_secs_f64(),
                    weston.first_frame.as_secs_f64(),
                ),
            ),
            (
                "RSS, simple-shm + foot + probe",
                format!("{} KiB", cowl.rss_kib),
                format!("{} KiB", weston.rss_kib),
                ratio(cowl.rss_kib as f64, weston.rss_kib as f64),
            ),
            (
                &*format!("CPU over {IDLE_SECONDS} s idle"),
                us(cowl.idle_cpu),
                us(weston.idle_cpu),
                ratio(cowl.idle_cpu.as_secs_f64(), weston.idle_cpu.as_secs_f64()),
            ),
            (
                "CPU per frame, simple-shm animating",
                format!("{} ({} frames)", us(cowl.cpu_per_frame), cowl.frames),
                format!("{} ({} frames)", us(weston.cpu_per_frame), weston.frames),
                ratio(
                    cowl.cpu_per_frame.as_secs_f64(),
                    weston.cpu_per_frame.as_secs_f64(),
                ),
            ),
        ];
        for (metric, cowl_value, weston_value, cowl_over_weston) in rows {
            println!("| {name} | {metric} | {cowl_value} | {weston_value} | {cowl_over_weston} |");
        }
    }
}
