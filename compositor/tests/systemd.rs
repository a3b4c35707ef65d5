//! What systemd sees of cowl as the Type=notify service of the Yocto image (cowl.service):
//! READY=1 (every test's harness waits for it), then watchdog pings at half `WatchdogSec`,
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
