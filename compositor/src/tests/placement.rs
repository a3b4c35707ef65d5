//! Placement by app_id, activation, split-role apps, home and explicit splits, and the
//! refusals of each: which window is shown where, at which size.

use cowl_testkit::config::screen;

use super::fixture::{Fixture, at};
use crate::shell::activation::ShellError;

/// 640x480: status bar 0..40, app area 40..400 (360 high), dock 400..480; splits at 0.6.
pub(super) fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .section("[shell]\nsplit_ratio = 0.6")
        .app("org.test.Red", "Red", &[])
        .app("org.test.Green", "Green", &[])
        .app("org.test.Blue", "Blue", &["role = \"split\""])
        .toml()
}

#[test]
fn apps_land_in_their_zones_and_the_views_switch() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    assert_eq!(
        f.configured_size(red),
        (640, 360),
        "a main app fills the app area"
    );
    assert_eq!(f.layout(), [at("org.test.Red", (0, 40, 640, 360))]);

    // A new app that someone starts becomes active, as launching does.
    let green = f.show_app("org.test.Green", 0x00ff00);
    assert_eq!(f.layout(), [at("org.test.Green", (0, 40, 640, 360))]);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Green"));

    f.state.activate("org.test.Red").expect("red activates");
    f.dispatch();
    assert_eq!(f.layout(), [at("org.test.Red", (0, 40, 640, 360))]);

    // A split-role app opens beside the active one, at the size of its part.
    let blue = f.show_app("org.test.Blue", 0x0000ff);
    assert_eq!(f.configured_size(blue), (256, 360));
    f.redraw(red, 0xff0000);
    assert_eq!(f.configured_size(red), (384, 360));
    assert_eq!(
        f.layout(),
        [
            at("org.test.Blue", (384, 40, 256, 360)),
            at("org.test.Red", (0, 40, 384, 360)),
        ]
    );
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Red"));

    f.state.home(None).expect("home");
    f.dispatch();
    assert_eq!(f.layout(), []);
    assert_eq!(f.state.active_app(), None);

    f.state
        .set_split("org.test.Green", "org.test.Red")
        .expect("split");
    f.redraw(green, 0x00ff00);
    f.redraw(red, 0xff0000);
    assert_eq!(
        (f.configured_size(green), f.configured_size(red)),
        ((384, 360), (256, 360))
    );
    assert_eq!(
        f.layout(),
        [
            at("org.test.Green", (0, 40, 384, 360)),
            at("org.test.Red", (384, 40, 256, 360)),
        ]
    );

    // Refusals explain themselves, and change nothing.
    assert_eq!(
        f.state.activate("org.test.Nope"),
        Err(ShellError::UnknownApp("org.test.Nope".into()))
    );
    assert_eq!(
        f.state.set_split("org.test.Red", "org.test.Red"),
        Err(ShellError::SameApp)
    );
    f.dispatch();
    assert_eq!(
        f.layout(),
        [
            at("org.test.Green", (0, 40, 384, 360)),
            at("org.test.Red", (384, 40, 256, 360)),
        ]
    );
}

#[test]
fn when_the_active_app_closes_the_one_before_it_comes_back() {
    let mut f = Fixture::new(&config(), "640x480");
    f.show_app("org.test.Red", 0xff0000);
    let green = f.show_app("org.test.Green", 0x00ff00);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Green"));
    f.client(green).destroy_toplevel();
    f.roundtrip(green);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Red"));
    assert_eq!(f.layout(), [at("org.test.Red", (0, 40, 640, 360))]);
}

#[test]
fn the_shell_and_capture_globals_are_only_for_trusted_clients() {
    let mut f = Fixture::new(&config(), "640x480");
    let app = f.add_client(crate::identity::Vouched::AnyApp);
    let tool = f.add_client_as(crate::state::ClientState {
        privileged: true,
        ..Default::default()
    });
    for privileged in ["zwlr_layer_shell_v1", "zwlr_screencopy_manager_v1"] {
        assert!(!f.client(app).has_global(privileged), "{privileged}");
        assert!(f.client(tool).has_global(privileged), "{privileged}");
    }
    assert!(f.client(app).has_global("xdg_wm_base"));
}
