//! The chrome's touch zones: a tap on the dock or a home tile drives the shell and never
//! reaches an app; a tap in the app area reaches the app under it, in its coordinates.

use cowl_testkit::config::screen;

use super::fixture::{Fixture, centre};
use crate::chrome::layout::Target;

/// 640x480: status bar 0..40, app area 40..400, dock 400..480.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .app("org.test.Red", "Red", &[])
        .app("org.test.Green", "Green", &[])
        .toml()
}

#[test]
fn dock_taps_switch_apps_and_go_home_and_never_reach_an_app() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    let green = f.show_app("org.test.Green", 0x00ff00);
    for client in [red, green] {
        f.client(client).listen_to_touch();
        f.roundtrip(client);
    }
    let dock = f.dock();
    assert_eq!(
        dock.iter()
            .map(|(target, _, _)| target.clone())
            .collect::<Vec<_>>(),
        [
            Target::Home,
            Target::App("org.test.Red".into()),
            Target::App("org.test.Green".into())
        ]
    );
    assert!(
        dock.iter()
            .all(|(_, rect, _)| rect.loc.y == 400 && rect.size.h == 80),
        "the buttons fill the dock's height"
    );

    f.tap_dock("org.test.Red");
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Red"));
    let home = dock[0].1;
    f.tap(centre(home));
    assert_eq!(f.state.active_app(), None);
    // The status bar takes taps too, for nobody.
    f.tap((320.0, 20.0));
    for client in [red, green] {
        f.roundtrip(client);
        assert_eq!(f.client(client).observed.touch_downs, []);
    }
}

#[test]
fn a_tap_in_the_app_area_reaches_the_app_in_its_own_coordinates() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).listen_to_touch();
    f.roundtrip(red);
    f.tap((100.0, 140.0));
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_downs, [(100.0, 100.0)]);
}

#[test]
fn a_home_tile_opens_its_app() {
    let mut f = Fixture::new(&config(), "640x480");
    f.show_app("org.test.Red", 0xff0000);
    f.show_app("org.test.Green", 0x00ff00);
    f.state.home(None).expect("home");
    f.dispatch();
    let tile = f
        .home_tiles()
        .into_iter()
        .find(|(target, _)| *target == Target::App("org.test.Red".into()))
        .map(|(_, rect)| rect)
        .expect("a tile for red");
    f.tap(centre(tile));
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Red"));
}

#[test]
fn a_finger_on_a_window_that_closes_is_lifted_for_its_app() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).listen_to_touch();
    f.roundtrip(red);
    let finger = smithay::backend::input::TouchSlot::from(Some(0));
    f.state.touch_down(finger, (100.0, 140.0).into(), 0);
    f.state.touch_frame();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_downs.len(), 1);

    // The app closes its window while the finger is still down: the app is told the finger
    // is up, not left with a touch point that never ends.
    f.client(red).destroy_toplevel();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_ups, 1);
    assert_eq!(f.client(red).observed.touch_cancels, 0);

    // The finger lifting later concerns nobody.
    f.state.touch_up(finger, 1);
    f.state.touch_frame();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_ups, 1);
}

#[test]
fn a_finger_on_a_subsurface_that_goes_away_is_lifted_for_its_app() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).listen_to_touch();
    f.client(red).add_subsurface((50, 50), (200, 100), 0x0000ff);
    f.roundtrip(red);
    // The app area starts at 0,40: the overlay covers 50..250 x 90..190.
    let finger = smithay::backend::input::TouchSlot::from(Some(0));
    f.state.touch_down(finger, (100.0, 140.0).into(), 0);
    f.state.touch_frame();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_downs, [(50.0, 50.0)]);

    // The app takes the overlay away under the finger: the finger is up for the app.
    f.client(red).destroy_subsurface();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_ups, 1);

    f.state.touch_up(finger, 1);
    f.state.touch_frame();
    f.roundtrip(red);
    assert_eq!(f.client(red).observed.touch_ups, 1);
}

#[test]
fn no_pointer_enters_an_app_while_no_mouse_has_moved() {
    // A head unit has no mouse: its pointer rests at 0,0 and no app hears of it, whatever
    // is committed or mapped there.
    let layout = cowl_testkit::config::screen("HEADLESS-1").toml();
    let mut f = Fixture::new(&layout, "640x480");
    let app = f.add_client(crate::identity::Vouched::AnyApp);
    f.client(app).listen_to_pointer();
    f.client(app).create_toplevel(Some("org.test.Red"));
    f.redraw(app, 0xff0000);
    assert!(
        f.window_of("org.test.Red").is_some(),
        "the app is shown at 0,0"
    );
    f.redraw(app, 0x00ff00);
    f.redraw(app, 0x0000ff);
    assert_eq!(f.client(app).observed.pointer_enters, 0);

    // A mouse that moves onto it is heard.
    f.state.pointer_motion((10.0, 10.0).into(), 1);
    f.roundtrip(app);
    assert_eq!(f.client(app).observed.pointer_enters, 1);
}
