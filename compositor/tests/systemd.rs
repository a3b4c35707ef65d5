//! What systemd sees of cowl as the Type=notify service of the Yocto image (cowl.service):
//! READY=1 (every test's harness waits for it) once the first frame is on every display,
//! with where the start-up time went in the log; then watchdog pings at half `WatchdogSec`,
//! sent from the event loop, on the notify socket systemd gives it.

mod common;

use common::Compositor;

#[test]
fn a_watchdog_asked_for_is_pinged_at_half_its_timeout() {
    // WatchdogSec=400ms, as systemd passes it (WATCHDOG_PID unset counts as ours).
    let compositor = Compositor::start(
        &["--backend", "headless", "--renderer", "pixman"],
        &[("WATCHDOG_USEC", "400000")],
    );
    for _ in 0..3 {
        assert_eq!(compositor.next_notification(), "WATCHDOG=1");
    }
    assert!(
        compositor.log().contains("interval=200ms"),
        "{}",
        compositor.log()
    );
}

#[test]
fn a_watchdog_meant_for_another_process_is_not_pinged() {
    let compositor = Compositor::start(
        &["--backend", "headless", "--renderer", "pixman"],
        &[("WATCHDOG_USEC", "400000"), ("WATCHDOG_PID", "1")],
    );
    // The pings would start before READY=1, and say so in the log.
    assert!(
        !compositor.log().contains("watchdog"),
        "{}",
        compositor.log()
    );
}

#[test]
fn ready_comes_once_the_first_frame_is_on_every_display() {
    let compositor = Compositor::start(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--output",
            "320x240",
            "--output",
            "320x240",
        ],
        &[],
    );
    // The harness returned on READY=1: by then both displays had their first frame.
    let log = compositor.log();
    let done = log.find("start-up done").expect("the start-up summary");
    for output in ["HEADLESS-1", "HEADLESS-2"] {
        let shown = log
            .lines()
            .position(|line| line.contains("first frame presented") && line.contains(output))
            .and_then(|index| log.find(log.lines().nth(index)?))
            .unwrap_or_else(|| panic!("no first frame on {output} before READY=1:\n{log}"));
        assert!(
            shown < done,
            "{output}'s first frame came after ready:\n{log}"
        );
    }
    let summary = &log[done..];
    for phase in ["config=", "backend=", "dbus=", "first-frame-everywhere="] {
        assert!(
            summary.contains(phase),
            "{phase} missing from the summary:\n{log}"
        );
    }
}
