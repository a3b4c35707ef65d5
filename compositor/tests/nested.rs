//! Smoke test of the nested backend: cowl as a window in a desktop session (Weston 10's
//! headless backend stands in for the developer's desktop), a real client inside it, checked
//! on a capture of cowl's output.

use crate::common;

use common::{BLACK, Compositor, HostWeston};

#[test]
fn nested_in_weston_shows_a_client() {
    let host = HostWeston::start(1280, 800);
    let host_socket = host.socket_path();
    let mut compositor = Compositor::start(
        &["--backend", "nested", "--output", "800x480"],
        &[("WAYLAND_DISPLAY", host_socket.to_str().expect("utf-8 path"))],
    );
    compositor.assert_logged("nested window ready");

    compositor.spawn_client("weston-simple-shm", &[]);
    // 250x250 whatever it is told: centred in the 800x480 app area, from 275,115.
    let (x, y) = (275, 115);
    let image = compositor.wait_for_capture("weston-simple-shm inside the nested cowl", |image| {
        image.is_filled(x, y, 250, 20, [255, 255, 255])
            && image.distinct_colours(x + 20, y + 20, 210, 40) > 10
    });
    // The window's GL framebuffer is bottom-up; the capture must still stand upright: the
    // client's white top edge is at the top, the screen above and below it is black.
    assert_eq!((image.width, image.height), (800, 480));
    assert!(image.is_filled(0, 0, 800, y, BLACK));
    assert!(image.is_filled(0, y + 250, 800, 480 - y - 250, BLACK));

    // A capture reads the frame back before the window is swapped. The client draws every
    // frame, so each of these captures lands on a frame that is also shown; the window must
    // outlive them all.
    for _ in 0..3 {
        let again = compositor.capture();
        assert!(again.distinct_colours(x + 20, y + 20, 210, 40) > 10);
    }
    assert!(compositor.is_running(), "{}", compositor.log());
}

#[test]
fn nested_cowl_stops_when_the_desktop_session_ends() {
    let host = HostWeston::start(1024, 768);
    let host_socket = host.socket_path();
    let mut compositor = Compositor::start(
        &["--backend", "nested", "--output", "640x480"],
        &[("WAYLAND_DISPLAY", host_socket.to_str().expect("utf-8 path"))],
    );
    drop(host);
    let status = compositor.wait_for_exit();
    assert!(status.success(), "cowl exited with {status}");
    compositor.assert_logged("desktop session closed");
}
