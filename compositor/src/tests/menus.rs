//! Menus (an xdg_popup with a grab): a tap beside an open menu closes it, a tap on it does
//! not; and a menu's grab needs the serial of an input event its own client received, so
//! that an app cannot open a grabbing menu to take the keyboard from the app in use (the
//! attacker: an app behind the one shown, with a made-up or another app's serial). A menu
//! may hang from a point (`handlers/xdg_positioner.rs`).

use smithay::wayland::seat::WaylandFocus;

use super::fixture::{ClientId, Fixture};

/// The app area is 640x360 from (0, 40) (`placement.rs`); a menu opens at its window's
/// corner, 100x60.
const ON_THE_MENU: (f64, f64) = (50.0, 70.0);
const BESIDE_THE_MENU: (f64, f64) = (400.0, 300.0);

fn fixture() -> Fixture {
    let mut f = Fixture::new(&super::placement::config(), "640x480");
    f.state.keyboard_set_up();
    f.dispatch();
    f
}

/// The serial of a tap that `client` received (a finger down on its window, then up).
fn tapped(f: &mut Fixture, client: ClientId, at: (f64, f64)) -> u32 {
    f.tap(at);
    f.roundtrip(client);
    *f.client(client)
        .observed
        .touch_down_serials
        .last()
        .expect("the app was touched")
}

fn keyboard_focus(
    f: &Fixture,
) -> Option<smithay::reexports::wayland_server::protocol::wl_surface::WlSurface> {
    f.state
        .seat
        .get_keyboard()
        .and_then(|keyboard| keyboard.current_focus())
        .and_then(|focus| focus.wl_surface().map(|surface| surface.into_owned()))
}

fn window_surface(
    f: &Fixture,
    app_id: &str,
) -> smithay::reexports::wayland_server::protocol::wl_surface::WlSurface {
    f.window_of(app_id)
        .and_then(|window| window.toplevel().map(|t| t.wl_surface().clone()))
        .expect("the app's window is shown")
}

#[test]
fn a_menu_opened_by_a_tap_stays_for_a_tap_on_it_and_closes_on_a_tap_beside_it() {
    let mut f = fixture();
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).listen_to_touch();
    f.roundtrip(red);
    let serial = tapped(&mut f, red, (300.0, 200.0));

    f.client(red).open_menu(Some(serial));
    f.roundtrip(red);
    f.client(red).draw_menu(0x00ff00);
    f.roundtrip(red);
    assert!(!f.client(red).observed.menu_done, "the grab was refused");
    assert_ne!(
        keyboard_focus(&f),
        Some(window_surface(&f, "org.test.Red")),
        "the menu has the keyboard, not its window"
    );

    f.tap(ON_THE_MENU);
    f.roundtrip(red);
    assert!(
        !f.client(red).observed.menu_done,
        "a tap on the menu closed it"
    );

    f.tap(BESIDE_THE_MENU);
    f.roundtrip(red);
    assert!(
        f.client(red).observed.menu_done,
        "a tap beside the menu left it open"
    );
}

#[test]
fn an_app_behind_cannot_take_the_keyboard_with_a_menu_grab_on_a_serial_not_its_own() {
    let mut f = fixture();
    let green = f.show_app("org.test.Green", 0x00ff00);
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).listen_to_touch();
    f.roundtrip(red);
    // The driver types into Red, the app in use.
    let reds_serial = tapped(&mut f, red, (300.0, 200.0));
    let red_surface = window_surface(&f, "org.test.Red");
    assert_eq!(keyboard_focus(&f), Some(red_surface.clone()));

    // Green, behind Red, opens a grabbing menu with Red's serial, then with one made up.
    for serial in [reds_serial, reds_serial + 1, 1] {
        f.client(green).open_menu(Some(serial));
        f.roundtrip(green);
        assert!(
            f.client(green).observed.menu_done,
            "the grab with serial {serial} was not refused"
        );
        assert_eq!(
            keyboard_focus(&f),
            Some(red_surface.clone()),
            "a menu grab on serial {serial} took the keyboard from the app in use"
        );
        f.client(green).observed.menu_done = false;
    }
}

#[test]
fn a_menu_opened_at_a_point_hangs_from_that_point() {
    // xdg-shell lets a menu's anchor rectangle be a point (zero size); smithay 0.7 ended the
    // app with a protocol error for it.
    let mut f = fixture();
    let red = f.show_app("org.test.Red", 0xff0000);
    f.client(red).open_menu_at((200, 150));
    f.roundtrip(red);
    assert_eq!(f.protocol_error(red), None);
    assert_eq!(
        f.client(red).observed.menu_placed,
        Some((200, 150, 100, 60)),
        "the menu's corner is on the point, not a pixel beside it"
    );
}
