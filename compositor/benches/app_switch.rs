//! App switching, measured the way a driver sees it: from a Shell1 `Activate(app_id)` call
//! to the presentation of the first frame that shows the app (its wp_presentation feedback,
//! CLOCK_MONOTONIC on both sides), and the compositor's memory after 1,000 switches (it
//! must not grow). Two of our test clients fill the app area; a private dbus-daemon carries
//! the calls, as cowlctl's would be.
//!
//! `cargo bench -p cowl --bench app_switch` prints a Markdown table for BENCHMARKS.md. No
//! peer runs beside it: Weston has no activation API to call the same way.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::Compositor;
use common::bus::PrivateBus;
use common::client::{Feedback, TestClient};
use cowl_sdk::shell::Shell1Proxy;
use cowl_testkit::config::screen;

const SWITCHES: usize = 1_000;
const WARM_UP: usize = 50;

fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(48)
        .dock(96)
        .app("org.bench.A", "A", &[])
        .app("org.bench.B", "B", &[])
        .toml()
}

/// The compositor's resident memory (kB), from /proc.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

/// Shows `app` (a hidden client with a feedback request pending) and returns the time from
/// the call to the presentation of the frame that shows it.
fn switch(shell: &Shell1Proxy<'_>, app: &str, client: &mut TestClient) -> Duration {
    client.commit_for_feedback();
    client
        .queue
        .roundtrip(&mut client.state)
        .expect("roundtrip");
    let before = client.state.feedback.len();
    let called_at = common::monotonic().as_nanos();
    zbus::block_on(shell.activate(app)).expect("Activate");
    while client.state.feedback.len() == before {
        common::client::dispatch_before_deadline(&mut client.queue, &mut client.state);
    }
    match client.state.feedback.last() {
        Some(Feedback::Presented { nanoseconds, .. }) => {
            Duration::from_nanos(nanoseconds.saturating_sub(called_at) as u64)
        }
        other => panic!("the switch to {app} was not presented: {other:?}"),
    }
}

fn run(renderer: &str) -> String {
    let bus = PrivateBus::start();
    let compositor =
        Compositor::headless_rendering_on_bus(&bus, renderer, "1920x720", &[], &config());
    let mut a = TestClient::showing(&compositor, "org.bench.A", 0xff0000);
    a.wait_for_frames(1);
    let mut b = TestClient::showing(&compositor, "org.bench.B", 0x00ff00);
    b.wait_for_frames(1);
    let connection = bus.connect();
    let shell = zbus::block_on(Shell1Proxy::new(&connection)).expect("Shell1 proxy");

    let mut one_switch = |index: usize| {
        if index.is_multiple_of(2) {
            switch(&shell, "org.bench.A", &mut a)
        } else {
            switch(&shell, "org.bench.B", &mut b)
        }
    };
    for index in 0..WARM_UP {
        one_switch(index);
    }
    let rss_before = rss_kb(compositor.pid());
    let mut latencies: Vec<Duration> = (0..SWITCHES).map(&mut one_switch).collect();
    let rss_after = rss_kb(compositor.pid());
    latencies.sort();
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    format!(
        "| {renderer} | {} | {} | {} | {} | {} | {:+} |",
        ms(common::percentile(&latencies, 0.5)),
        ms(common::percentile(&latencies, 0.95)),
        ms(*latencies.last().expect("switches")),
        rss_before / 1024,
        rss_after / 1024,
        rss_after as i64 - rss_before as i64,
    )
}

fn main() {
    println!(
        "| renderer | switch median (ms) | p95 (ms) | max (ms) | RSS after {WARM_UP} (MiB) | RSS after {} more (MiB) | growth (kB) |",
        SWITCHES
    );
    println!("|---|---|---|---|---|---|---|");
    for renderer in ["pixman", "gles"] {
        println!("{}", run(renderer));
    }
}
