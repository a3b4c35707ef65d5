//! The on-screen keyboard flow with real parts: foot (a text-input-v3 client) has the
//! keyboard and enables its text field; Cowl shows wvkbd (a layer-shell OSK typing through
//! virtual-keyboard, started by Cowl as `[osk]`), the app area shrinks above it, a touch on
//! wvkbd's "q" key types a q into foot, and the OSK hides when the field loses the
//! keyboard (home view). Along the demo drive: while moving (NO_KEYBOARD) the OSK hides,
//! nothing can be typed with it, and an input method (input-method-v2) is deactivated and
//! not activated again; parked, both come back.

use crate::common;

use std::os::unix::net::UnixStream;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::drive::{STEPPED_DRIVE_ARGS, SteppedDrive};
use common::{Compositor, Image};
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle};
use wayland_protocols::wp::text_input::zv3::client::zwp_text_input_v3;
use wayland_protocols_misc::zwp_input_method_v2::client::{
    zwp_input_method_manager_v2 as input_method_manager, zwp_input_method_v2 as input_method,
};

/// foot's default background, and its `ESC[41m` red.
const FOOT_BACKGROUND: [u8; 3] = [0x11, 0x11, 0x11];
const FOOT_RED: [u8; 3] = [0xcc, 0x93, 0x93];

/// wvkbd at -L 200 on a 640x480 panel is six 40-pixel rows from y 240; "q" opens the third.
const Q_KEY: (&str, &str) = ("61", "340");
/// "w", the key right of "q".
const W_KEY: (&str, &str) = ("125", "340");

fn config(typed: &std::path::Path) -> String {
    // The field: a terminal in raw mode that saves one key, then paints a red line.
    let field = format!(
        "foot --app-id org.test.Field sh -c 'stty raw -echo; dd bs=1 count=1 of={} 2>/dev/null; printf \"\\\\033[41m%200s\" x; sleep 600'",
        typed.display()
    );
    format!(
        r#"
[osk]
exec = "wvkbd-mobintl --hidden -L 200"
show_signal = "SIGUSR2"
hide_signal = "SIGUSR1"

[[apps]]
id = "org.test.Field"
name = "Field"
exec = {field:?}
autostart = true
"#
    )
}

fn osk_shown(image: &Image) -> bool {
    image.pixel(320, 100) == FOOT_BACKGROUND && image.distinct_colours(0, 250, 640, 220) > 3
}

#[test]
fn a_text_field_brings_up_the_osk_and_a_touch_on_it_types() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typed = dir.path().join("typed");
    let bus = PrivateBus::start();
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config(&typed));
    compositor.wait_for_capture("foot above the on-screen keyboard", osk_shown);
    compositor.assert_logged("on-screen keyboard shown=true");

    bus.cowlctl_ok(&["tap", Q_KEY.0, Q_KEY.1]);
    compositor.wait_for_capture("foot to have read the key", |image| {
        (2..60).any(|y| (0..200).any(|x| image.pixel(x, y) == FOOT_RED))
    });
    let text = std::fs::read_to_string(&typed).expect("the field saved what was typed");
    assert_eq!(text, "q");

    // Home: the field loses the keyboard, the OSK goes away.
    bus.cowlctl_ok(&["home"]);
    compositor.wait_for_capture("the OSK to hide", |image| {
        !osk_shown(image) && image.is_filled(0, 400, 640, 80, [0x0b, 0x0f, 0x14])
    });
    compositor.assert_logged("on-screen keyboard shown=false");
}

/// An input method (input-method-v2) of the test's own: what the compositor tells it,
/// applied at each `done` as the protocol says.
#[derive(Default)]
struct InputMethodState {
    pending: Option<bool>,
    active: bool,
    activations: usize,
}

struct InputMethod {
    queue: EventQueue<InputMethodState>,
    state: InputMethodState,
    _input_method: input_method::ZwpInputMethodV2,
}

impl InputMethod {
    fn connect(compositor: &Compositor) -> InputMethod {
        let stream = UnixStream::connect(compositor.trusted_socket_path()).expect("connect");
        let connection = Connection::from_socket(stream).expect("connection");
        let (globals, mut queue) =
            registry_queue_init::<InputMethodState>(&connection).expect("registry");
        let handle = queue.handle();
        let manager: input_method_manager::ZwpInputMethodManagerV2 = globals
            .bind(&handle, 1..=1, ())
            .expect("input-method-v2 (is this test trusted?)");
        let seat: wl_seat::WlSeat = globals.bind(&handle, 1..=7, ()).expect("wl_seat");
        let input_method = manager.get_input_method(&seat, &handle, ());
        let mut state = InputMethodState::default();
        queue.roundtrip(&mut state).expect("roundtrip");
        InputMethod {
            queue,
            state,
            _input_method: input_method,
        }
    }

    fn wait_until_active(&mut self, active: bool) {
        while self.state.active != active {
            common::client::dispatch_before_deadline(&mut self.queue, &mut self.state);
        }
    }
}

#[test]
fn along_the_demo_drive_typing_is_refused_while_moving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typed = dir.path().join("typed");
    let bus = PrivateBus::start();
    let config = config(&typed);
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &STEPPED_DRIVE_ARGS, &config);
    let mut input_method = InputMethod::connect(&compositor);
    let mut drive = SteppedDrive::new(&bus);

    // Before the first frame the car is unknown, so typing is forbidden; at 5 s it is parked.
    drive.to(5.0);
    compositor.wait_for_capture("foot above the on-screen keyboard", osk_shown);
    input_method.wait_until_active(true);

    // 20 s: 50 km/h. The OSK hides, the input method is deactivated, and a tap where the
    // "q" key was types nothing. (The field keeps the first key it gets: were a q typed now,
    // the w typed once parked would not be it.)
    drive.to(20.0);
    compositor.wait_for_capture("the OSK hidden while driving", |image| {
        !osk_shown(image) && image.pixel(320, 400) == FOOT_BACKGROUND
    });
    input_method.wait_until_active(false);
    let activations = input_method.state.activations;
    bus.cowlctl_ok(&["tap", Q_KEY.0, Q_KEY.1]);
    input_method
        .queue
        .roundtrip(&mut input_method.state)
        .expect("roundtrip");
    assert!(!input_method.state.active, "activated while moving");
    assert_eq!(input_method.state.activations, activations);

    // 76 s: parked at the end of the drive. The OSK and the input method are back.
    drive.to(76.0);
    compositor.wait_for_capture("the OSK back once parked", osk_shown);
    input_method.wait_until_active(true);
    bus.cowlctl_ok(&["tap", W_KEY.0, W_KEY.1]);
    compositor.wait_for_capture("foot to have read the key", |image| {
        (2..60).any(|y| (0..200).any(|x| image.pixel(x, y) == FOOT_RED))
    });
    assert_eq!(std::fs::read_to_string(&typed).expect("typed"), "w");
}

#[test]
fn a_text_field_with_an_undefined_content_hint_is_disconnected_alone() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &[], "# every default\n");
    // With an input method bound, text fields' requests are read rather than ignored.
    let _input_method = InputMethod::connect(&compositor);
    let mut app = TestClient::showing(&compositor, "org.test.Field", 0x00ff00);
    app.wait_for_frames(1);
    let text_input = app.text_input();
    text_input.enable();
    text_input.set_content_type(
        zwp_text_input_v3::ContentHint::from_bits_retain(1 << 30),
        zwp_text_input_v3::ContentPurpose::Normal,
    );
    text_input.commit();
    assert!(app.queue.roundtrip(&mut app.state).is_err());
    let error = app.connection.protocol_error().expect("a protocol error");
    assert_eq!(error.object_interface, "zwp_text_input_v3");
    // The compositor lives on and serves other clients.
    let _other = TestClient::showing(&compositor, "org.test.Other", 0x0000ff);
    compositor.wait_for_capture("another app", |image| image.pixel(320, 240) == [0, 0, 0xff]);
}

impl Dispatch<input_method::ZwpInputMethodV2, ()> for InputMethodState {
    fn event(
        state: &mut Self,
        _: &input_method::ZwpInputMethodV2,
        event: input_method::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            input_method::Event::Activate => state.pending = Some(true),
            input_method::Event::Deactivate => state.pending = Some(false),
            input_method::Event::Done => {
                if let Some(active) = state.pending.take() {
                    state.activations += usize::from(active && !state.active);
                    state.active = active;
                }
            }
            _ => {}
        }
    }
}

wayland_client::delegate_noop!(InputMethodState: ignore input_method_manager::ZwpInputMethodManagerV2);
wayland_client::delegate_noop!(InputMethodState: ignore wl_seat::WlSeat);

wayland_client::delegate_dispatch!(InputMethodState: [wl_registry::WlRegistry: GlobalListContents] => cowl_testkit::wayland::Globals);
