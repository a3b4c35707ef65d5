//! The driving restrictions as the shell applies them: video covered while moving (declared
//! or tagged), a restricted app giving way to its fallback and refused by Shell1 and the
//! dock, its dock button greyed; all undone once parked. The same rules are tried by hostile
//! clients against a real `cowl` in `compositor/tests/lockouts.rs` and `hostile.rs`.

use cowl_testkit::config::screen;

use super::fixture::Fixture;
use crate::chrome::layout::Target;
use crate::chrome::panels::CoverReason;
use crate::identity::Vouched;
use crate::shell::activation::ShellError;

/// 640x480 with a status bar of 40: the app area is 0,40 640x440.
fn video() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .app("org.test.Video", "Video", &["video = true"])
        .app("org.test.Plain", "Plain", &[])
        .toml()
}

#[test]
fn a_video_app_is_covered_while_moving_and_uncovered_once_parked() {
    let mut f = Fixture::new(&video(), "640x480");
    let video = f.show_app("org.test.Video", 0xff0000);
    assert_eq!(f.covers(), []);

    f.drive();
    let slot = f
        .window_of("org.test.Video")
        .and_then(|window| crate::shell::activation::shown_slot(&window));
    assert_eq!(
        slot.map(|slot| (slot.loc.x, slot.loc.y, slot.size.w, slot.size.h)),
        Some((0, 40, 640, 440))
    );
    let covers = f.covers();
    assert_eq!(
        covers.len(),
        1,
        "{:?}",
        covers.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    assert_eq!(covers[0].0, "Video");
    assert_eq!(covers[0].1, CoverReason::WhileDriving);
    assert_eq!(Some(covers[0].2), slot, "the cover fills the app's slot");
    // Underneath, the app runs on: it stays shown and configured.
    assert_eq!(f.layout().len(), 1);
    assert!(!f.client(video).observed.closed);

    f.park();
    assert_eq!(f.covers(), []);
}

#[test]
fn a_plain_app_is_not_covered_while_moving() {
    let mut f = Fixture::new(&video(), "640x480");
    f.show_app("org.test.Plain", 0x00ff00);
    f.drive();
    assert_eq!(f.covers(), []);
}

/// 640x480: a dock along the bottom (400..480); the game gives way to the navigation.
fn restricted() -> String {
    screen("HEADLESS-1")
        .dock(80)
        .app(
            "org.test.Game",
            "Game",
            &[
                "restrict_while_driving = true",
                "fallback = \"org.test.Nav\"",
            ],
        )
        .app("org.test.Nav", "Nav", &[])
        .toml()
}

fn greyed(f: &Fixture, app_id: &str) -> bool {
    f.dock()
        .into_iter()
        .find(|(target, _, _)| *target == Target::App(app_id.into()))
        .map(|(_, _, restricted)| restricted)
        .expect("a dock button")
}

#[test]
fn a_restricted_app_gives_way_to_its_fallback_and_cannot_be_opened_while_moving() {
    let mut f = Fixture::new(&restricted(), "640x480");
    f.show_app("org.test.Nav", 0x00ff00);
    f.show_app("org.test.Game", 0x0000ff);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Game"));
    assert!(!greyed(&f, "org.test.Game"));

    f.drive();
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Nav"));
    assert_eq!(
        f.shown().into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
        ["org.test.Nav"],
        "the game is no longer shown"
    );
    assert!(greyed(&f, "org.test.Game"));
    assert!(!greyed(&f, "org.test.Nav"));
    assert_eq!(
        f.state.activate("org.test.Game"),
        Err(ShellError::RestrictedWhileDriving("org.test.Game".into()))
    );
    assert_eq!(
        f.state.set_split("org.test.Nav", "org.test.Game"),
        Err(ShellError::RestrictedWhileDriving("org.test.Game".into()))
    );
    f.tap_dock("org.test.Game");
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Nav"));

    f.park();
    assert!(!greyed(&f, "org.test.Game"));
    f.tap_dock("org.test.Game");
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Game"));
}

#[test]
fn an_unknown_app_is_hidden_while_moving_and_a_stranger_cannot_claim_a_declared_id() {
    let mut f = Fixture::new(&restricted(), "640x480");
    f.show_app("org.test.Nav", 0x00ff00);
    // A client Cowl cannot vouch for claims the game's id: it is an unknown app of its own.
    let stranger = f.add_client(Vouched::Nobody);
    f.client(stranger).create_toplevel(Some("org.test.Nav"));
    f.roundtrip(stranger);
    f.redraw(stranger, 0xff00ff);
    let shown: Vec<String> = f.shown().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        shown,
        [format!(
            "{}org.test.Nav",
            crate::identity::UNVERIFIED_PREFIX
        )],
        "the stranger's window is shown, as an unverified app"
    );
    f.drive();
    assert_eq!(f.shown(), [], "moving, the unknown app gives way to home");
    assert_eq!(f.state.active_app(), None);
    // The real app, declared and vouched for, may still be opened.
    f.state
        .activate("org.test.Nav")
        .expect("nav opens while moving");
    f.dispatch();
    assert_eq!(
        f.shown().into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
        ["org.test.Nav"]
    );
}
