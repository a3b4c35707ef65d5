//! Frame pacing and presentation feedback as a client sees them: a toplevel is configured to
//! fill the output before its first buffer, frames follow the 60 Hz refresh, and
//! wp_presentation reports real CLOCK_MONOTONIC timestamps on the refresh grid.

use crate::common;

use common::Compositor;
use common::client::{Feedback, TestClient};

const REFRESH_NS: u32 = 16_666_666;

#[test]
fn toplevel_is_configured_to_fill_the_output_before_its_first_buffer() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "640x480"]);
    let client = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    assert_eq!(client.state.configured_size, Some((640, 480)));
}

#[test]
fn presentation_feedback_follows_the_refresh_grid() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut client = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    const FRAMES: usize = 8;
    for frame in 0..FRAMES {
        client.draw(0x0020_4080 + frame as u32);
        client.wait_for_frames(frame + 1);
    }

    // CLOCK_MONOTONIC is clock id 1.
    assert_eq!(client.state.presentation_clock, Some(1));
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let now_ns = now.tv_sec as u128 * 1_000_000_000 + now.tv_nsec as u128;

    let mut previous: Option<(u128, u64)> = None;
    for feedback in &client.state.feedback {
        let Feedback::Presented {
            nanoseconds,
            refresh_ns,
            sequence,
            vsync,
            hardware,
            zero_copy,
        } = feedback.clone()
        else {
            panic!(
                "every frame had damage, none may be discarded: {:?}",
                client.state.feedback
            );
        };
        assert_eq!(refresh_ns, REFRESH_NS);
        assert!(vsync);
        // Virtual panels have no display clock: the headless backend must not claim one.
        assert!(!hardware);
        // Every headless frame is composed into an offscreen buffer.
        assert!(!zero_copy);
        assert!(nanoseconds <= now_ns, "presented in the future");
        assert!(
            now_ns - nanoseconds < 60_000_000_000,
            "not a CLOCK_MONOTONIC time"
        );
        if let Some((previous_ns, previous_sequence)) = previous {
            assert!(sequence > previous_sequence);
            let interval = nanoseconds - previous_ns;
            let periods = (interval as f64 / REFRESH_NS as f64).round();
            assert!(
                periods >= 1.0,
                "two frames within one refresh: {interval} ns"
            );
            let off_grid = (interval as f64 - periods * REFRESH_NS as f64).abs();
            assert!(off_grid < 10_000.0, "{interval} ns is off the 60 Hz grid");
        }
        previous = Some((nanoseconds, sequence));
    }

    // Frame callbacks carry the same clock in milliseconds and never go back.
    let times = &client.state.frame_times_ms;
    assert!(times.windows(2).all(|pair| pair[1] > pair[0]), "{times:?}");
}
