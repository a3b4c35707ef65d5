//! Popups stay with their parent and are placed by their positioner, kept inside the output.

use crate::common;

use common::Compositor;
use common::client::TestClient;
use wayland_protocols::xdg::shell::client::xdg_positioner::{
    Anchor, ConstraintAdjustment, Gravity,
};

/// A 320x240 output with one app shown on it, filling it.
fn shown_app() -> (Compositor, TestClient) {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut app = TestClient::showing(&compositor, "org.cowl.Test", 0x0010_1010);
    app.wait_for_frames(1);
    (compositor, app)
}

#[test]
fn a_popup_is_placed_by_its_positioner() {
    let (_compositor, mut app) = shown_app();
    let geometry = app.popup_geometry(|positioner| {
        positioner.set_size(100, 50);
        positioner.set_anchor_rect(10, 10, 20, 20);
        positioner.set_anchor(Anchor::BottomRight);
        positioner.set_gravity(Gravity::BottomRight);
    });
    // Below and right of the anchor rectangle's bottom-right corner (30, 30).
    assert_eq!(geometry, (30, 30, 100, 50));
}

#[test]
fn a_popup_that_would_leave_the_output_slides_back_inside() {
    let (_compositor, mut app) = shown_app();
    let geometry = app.popup_geometry(|positioner| {
        positioner.set_size(100, 50);
        positioner.set_anchor_rect(300, 10, 10, 10);
        positioner.set_anchor(Anchor::BottomRight);
        positioner.set_gravity(Gravity::BottomRight);
        positioner.set_constraint_adjustment(ConstraintAdjustment::SlideX);
    });
    // Unconstrained it would start at x = 310 and end at 410, past the 320-pixel output.
    assert_eq!(geometry, (220, 20, 100, 50));
}
