//! What real toolkits' windows do that the shell must take in its stride: an app_id set
//! only after the first commit (weston-terminal, weston-flower), a size of their own
//! (minimum equal to maximum), a buffer of another size than the one configured, and no
//! answer at all to a new size. Each window is still placed by its app_id and shown,
//! centred in its slot, never stretched and never hidden for long.

use super::fixture::{Fixture, at};
// The placement tests' screen: the app area is 0,40 640x360; Blue is a split app.
use super::placement::config;
use crate::identity::Vouched;

#[test]
fn a_window_that_names_its_app_after_its_first_commit_is_placed_by_that_name() {
    let mut f = Fixture::new(&config(), "640x480");
    f.show_app("org.test.Red", 0xff0000);

    // Like weston-terminal: no app_id on the first commit, drawn, then named.
    let late = f.add_client(Vouched::AnyApp);
    f.client(late).create_toplevel(None);
    f.roundtrip(late);
    f.redraw(late, 0x00ff00);
    assert_eq!(
        f.state.active_app().as_deref(),
        Some(""),
        "shown as an app of no name"
    );

    f.client(late).set_app_id("org.test.Green");
    f.redraw(late, 0x00ff00);
    assert_eq!(f.layout(), [at("org.test.Green", (0, 40, 640, 360))]);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Green"));

    // The nameless app the view showed is gone with its name: closing Green goes back to
    // Red, not to an empty slot.
    f.client(late).destroy_toplevel();
    f.roundtrip(late);
    assert_eq!(f.layout(), [at("org.test.Red", (0, 40, 640, 360))]);
}

#[test]
fn a_window_that_renames_itself_is_placed_as_a_new_window_of_that_app_would_be() {
    // Where a window of the split app goes beside Red, started as such.
    let mut expected = Fixture::new(&config(), "640x480");
    expected.show_app("org.test.Red", 0xff0000);
    let blue = expected.show_app("org.test.Blue", 0x0000ff);
    let split_size = expected.configured_size(blue);

    let mut f = Fixture::new(&config(), "640x480");
    f.show_app("org.test.Red", 0xff0000);
    let renamed = f.show_app("org.test.Green", 0x00ff00);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Green"));
    f.client(renamed).set_app_id("org.test.Blue");
    f.redraw(renamed, 0x0000ff);
    f.redraw(renamed, 0x0000ff);
    assert_eq!(f.configured_size(renamed), split_size);
    assert_eq!(f.layout(), expected.layout());
}

#[test]
fn a_window_of_a_fixed_size_is_told_that_size_and_sits_centred_in_its_slot() {
    let mut f = Fixture::new(&config(), "640x480");
    let fixed = f.add_client(Vouched::AnyApp);
    f.client(fixed).create_toplevel(None);
    f.client(fixed).set_app_id("org.test.Red");
    f.client(fixed).keep_size(200, 100);
    f.roundtrip(fixed);
    // Its first buffer answers the first configure; the next, the one at its own size.
    f.redraw(fixed, 0xff0000);
    f.redraw(fixed, 0xff0000);
    assert_eq!(
        f.configured_size(fixed),
        (200, 100),
        "never told to stretch"
    );
    // The app area is 640x360 at 0,40: (640 - 200) / 2 = 220, 40 + (360 - 100) / 2 = 170.
    assert_eq!(f.layout(), [at("org.test.Red", (220, 170, 200, 100))]);
}

#[test]
fn a_window_that_draws_another_size_than_it_was_told_is_shown_centred_not_hidden() {
    let mut f = Fixture::new(&config(), "640x480");
    let stubborn = f.add_client(Vouched::AnyApp);
    f.client(stubborn).create_toplevel(Some("org.test.Red"));
    f.roundtrip(stubborn);
    assert_eq!(f.configured_size(stubborn), (640, 360));
    // It takes the configure and draws its own size anyway: smaller, then larger.
    f.client(stubborn).draw(0xff0000, Some((300, 200)));
    f.roundtrip(stubborn);
    assert_eq!(f.layout(), [at("org.test.Red", (170, 120, 300, 200))]);

    f.client(stubborn).draw(0xff0000, Some((800, 400)));
    f.roundtrip(stubborn);
    // Cut evenly on both sides by the slot's clip.
    assert_eq!(f.layout(), [at("org.test.Red", (-80, 20, 800, 400))]);
    let window = f.window_of("org.test.Red").expect("shown");
    assert_eq!(
        crate::shell::activation::shown_slot(&window),
        Some(smithay::utils::Rectangle::new(
            (0, 40).into(),
            (640, 360).into()
        )),
        "clipped to its slot"
    );
}

#[test]
fn a_window_that_never_takes_its_new_size_is_shown_again_with_its_old_picture() {
    let mut f = Fixture::new(&config(), "640x480");
    let green = f.show_app("org.test.Green", 0x00ff00);
    let red = f.show_app("org.test.Red", 0xff0000);

    // Split: Green redraws at 384x360, Red is told 256x360 and never answers.
    f.state
        .set_split("org.test.Green", "org.test.Red")
        .expect("split");
    f.redraw(green, 0x00ff00);
    f.roundtrip(red);
    assert_eq!(f.configured_size(red), (256, 360));
    assert_eq!(
        f.layout(),
        [at("org.test.Green", (0, 40, 384, 360))],
        "while it redraws, its slot shows the background"
    );

    // At the deadline its old 640x360 picture is shown centred in its slot (and clipped
    // to it when drawn), not left out for good.
    let deadline = crate::shell::resize_deadline::RESIZE_DEADLINE;
    assert!(
        f.dispatch_until(deadline * 4, |f| f.window_of("org.test.Red").is_some()),
        "the late window stayed hidden"
    );
    assert_eq!(
        f.layout(),
        [
            at("org.test.Green", (0, 40, 384, 360)),
            at("org.test.Red", (192, 40, 640, 360)),
        ]
    );
    let red_window = f.window_of("org.test.Red").expect("shown");
    assert_eq!(
        crate::shell::activation::shown_slot(&red_window),
        Some(smithay::utils::Rectangle::new(
            (384, 40).into(),
            (256, 360).into()
        ))
    );

    // Once it draws at its size it fills its slot.
    f.redraw(red, 0xff0000);
    assert_eq!(
        f.layout(),
        [
            at("org.test.Green", (0, 40, 384, 360)),
            at("org.test.Red", (384, 40, 256, 360)),
        ]
    );
}
