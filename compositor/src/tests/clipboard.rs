//! The clipboard is the focused app's: only the app holding the keyboard may set it
//! (smithay's data device refuses anyone else), and only the app holding the keyboard is
//! told what it holds. The attacker: an app behind the one in use, replacing what the
//! driver copied (an address, a phone number) with something of its own.

use super::fixture::Fixture;

fn fixture() -> Fixture {
    let mut f = Fixture::new(&super::placement::config(), "640x480");
    f.state.keyboard_set_up();
    f.dispatch();
    f
}

#[test]
fn an_app_behind_the_one_in_use_cannot_replace_what_is_on_the_clipboard() {
    let mut f = fixture();
    let red = f.show_app("org.test.Red", 0xff0000);
    let green = f.show_app("org.test.Green", 0x00ff00);
    for app in [red, green] {
        f.client(app).listen_to_clipboard();
        f.roundtrip(app);
    }
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Green"));

    // Green, in use, copies; it is told the clipboard holds its data.
    f.client(green).copy("text/plain;from=green");
    f.roundtrip(green);
    let told = |f: &mut Fixture, app| f.client(app).observed.clipboard_selections.clone();
    assert_eq!(
        told(&mut f, green).last(),
        Some(&vec!["text/plain;from=green".to_string()])
    );

    // Red, behind it, tries to put its own data there.
    f.client(red).copy("text/plain;from=red");
    f.roundtrip(red);
    f.roundtrip(green);
    assert!(
        told(&mut f, green)
            .iter()
            .all(|types| !types.contains(&"text/plain;from=red".to_string())),
        "the app in use was offered the background app's data"
    );

    // The driver switches to Red: it is offered Green's data, not its own.
    f.tap_dock("org.test.Red");
    f.roundtrip(red);
    assert_eq!(f.state.active_app().as_deref(), Some("org.test.Red"));
    assert_eq!(
        told(&mut f, red).last(),
        Some(&vec!["text/plain;from=green".to_string()])
    );
}
