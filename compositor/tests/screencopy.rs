//! wlr-screencopy at the protocol level, for what grim does not exercise: `copy_with_damage`
//! (waits for a change, reports where), the flags, and the errors for misused frames.

use crate::common;

use common::Compositor;
use common::capture::{CaptureClient, read_pixel};
use common::client::TestClient;
use wayland_protocols_wlr::screencopy::v1::client::zwlr_screencopy_frame_v1 as frame_v1;

#[test]
fn copy_with_damage_waits_for_a_change_and_reports_it() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut app = TestClient::showing(&compositor, "org.cowl.Test", 0x0000_00ff);
    app.wait_for_frames(1);

    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    assert_eq!(capture.state.frame.buffer, Some((320, 240, 320 * 4)));
    let (buffer, mut file) = capture.buffer(320, 240);
    frame.copy_with_damage(&buffer);
    capture.wait_for_ready();
    // The client's first capture: everything counts as damaged. Offscreen framebuffers are
    // top-down: no y_invert flag.
    assert_eq!(capture.state.frame.damage, vec![(0, 0, 320, 240)]);
    assert_eq!(capture.state.frame.flags, Some(0));
    assert_eq!(read_pixel(&mut file, 320, 10, 10), 0x0000_00ff);
    assert_eq!(read_pixel(&mut file, 320, 319, 239), 0x0000_00ff);

    // The next copy_with_damage is answered only once the screen changed.
    let frame = capture.new_frame();
    frame.copy_with_damage(&buffer);
    capture
        .queue
        .roundtrip(&mut capture.state)
        .expect("roundtrip");
    // A frame is rendered (grim's plain copy forces one), but nothing changed: no answer.
    compositor.capture();
    capture
        .queue
        .roundtrip(&mut capture.state)
        .expect("roundtrip");
    assert!(
        capture.state.frame.ready.is_none(),
        "copy_with_damage answered without damage"
    );
    app.draw(0x0000_ff00);
    capture.wait_for_ready();
    assert!(!capture.state.frame.damage.is_empty());
    let covers_all = capture
        .state
        .frame
        .damage
        .iter()
        .any(|&(x, y, w, h)| x == 0 && y == 0 && w == 320 && h == 240);
    assert!(
        covers_all,
        "the redrawn toplevel is damaged: {:?}",
        capture.state.frame.damage
    );
    assert_eq!(read_pixel(&mut file, 320, 100, 100), 0x0000_ff00);
}

#[test]
fn a_buffer_of_the_wrong_size_is_a_protocol_error() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    let (buffer, _file) = capture.buffer(100, 100);
    frame.copy(&buffer);
    assert!(capture.queue.roundtrip(&mut capture.state).is_err());
    let error = capture
        .connection
        .protocol_error()
        .expect("a protocol error");
    assert_eq!(error.object_interface, "zwlr_screencopy_frame_v1");
    assert_eq!(error.code, frame_v1::Error::InvalidBuffer as u32);
    // The compositor serves other clients on.
    compositor.capture();
}

#[test]
fn a_frame_copied_twice_is_a_protocol_error() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut capture = CaptureClient::connect(&compositor);
    let frame = capture.new_frame();
    let (buffer, _file) = capture.buffer(320, 240);
    frame.copy(&buffer);
    frame.copy(&buffer);
    assert!(capture.queue.roundtrip(&mut capture.state).is_err());
    let error = capture
        .connection
        .protocol_error()
        .expect("a protocol error");
    assert_eq!(error.code, frame_v1::Error::AlreadyUsed as u32);
}
