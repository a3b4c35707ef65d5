//! Windows of real programs nobody here wrote, shown as a user expects, on captures: weston's
//! demo clients set their app_id only after their first commit (weston-terminal,
//! weston-flower), and weston-flower keeps a size of its own (200x200). Both were invisible
//! before the shell placed a window again when its app_id changed. (The shell's rules for
//! both are checked exactly in-process, `src/tests/client_habits.rs`.)

use crate::common;

use common::{BLACK, Compositor, Image};
use cowl_testkit::config::screen;

/// 640x480: status bar 0..40, app area 40..400 (640x360, black: no background set), dock
/// 400..480.
fn start() -> Compositor {
    let config = screen("HEADLESS-1").status_bar(40).dock(80).toml();
    Compositor::headless_with_config(&config, &["--renderer", "pixman", "--output", "640x480"])
}

#[test]
fn weston_terminal_naming_itself_late_fills_the_app_area() {
    let compositor = start();
    compositor.spawn_client("weston-terminal", &[]);
    // Its frame (client-side decorations) runs along both edges of the app area, and its
    // text area fills the rest.
    compositor.wait_for_capture("weston-terminal's frame at both edges", |image: &Image| {
        image.pixel(1, 220) != BLACK && image.pixel(638, 220) != BLACK
    });
    compositor.assert_logged("org.freedesktop.weston.wayland-terminal");
}

#[test]
fn weston_flower_of_its_own_size_sits_centred_in_the_app_area() {
    let compositor = start();
    compositor.spawn_client("weston-flower", &[]);
    // 200x200, centred in 640x360 at 0,40: the flower's heart is the app area's centre,
    // and its window ends 100 pixels either side of it.
    compositor.wait_for_capture("the flower in the middle", |image: &Image| {
        image.pixel(320, 220) != BLACK
    });
    let image = compositor.capture();
    for (x, y) in [(100, 220), (540, 220), (320, 60), (320, 380)] {
        assert_eq!(
            image.pixel(x, y),
            BLACK,
            "outside the flower's window at {x},{y}"
        );
    }
}
