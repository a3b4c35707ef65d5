//! xdg-shell's order, held against a client that skips it: a wl_surface with a picture
//! already, or with another role, cannot become a window (`handlers/xdg_wm_base.rs`). The
//! client is disconnected with the protocol's error and every other app goes on.

use std::time::Duration;

use super::client::SurfaceBefore;
use super::fixture::{Fixture, at};
use crate::identity::Vouched;

#[test]
fn a_surface_with_a_picture_or_another_role_made_a_window_disconnects_its_client_alone() {
    let mut f = Fixture::new(&super::placement::config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    // xdg_wm_base's errors: role = 0, invalid_surface_state = 4.
    for (before, code) in [
        (SurfaceBefore::BufferAttached, 4),
        (SurfaceBefore::BufferShown, 4),
        (SurfaceBefore::Subsurface, 0),
    ] {
        let hostile = f.add_client(Vouched::AnyApp);
        f.client(hostile).xdg_surface_of(before);
        let ended = f.dispatch_until(Duration::from_secs(5), |f| {
            f.protocol_error(hostile).is_some()
        });
        assert!(ended, "{before:?}: the client is still connected");
        assert_eq!(
            f.protocol_error(hostile),
            Some(("xdg_wm_base".to_string(), code)),
            "{before:?}"
        );
    }
    f.redraw(red, 0xff0000);
    assert_eq!(f.layout(), [at("org.test.Red", (0, 40, 640, 360))]);
}

#[test]
fn a_window_shown_again_on_its_old_surface_with_its_old_picture_is_not_refused() {
    let mut f = Fixture::new(&super::placement::config(), "640x480");
    let green = f.show_app("org.test.Green", 0x00ff00);
    f.client(green).show_again("org.test.Green");
    f.redraw(green, 0x00ff00);
    assert_eq!(f.protocol_error(green), None);
    assert_eq!(f.layout(), [at("org.test.Green", (0, 40, 640, 360))]);
}
