//! Phone projection with the reference daemon (cowl-phone-sim, a real GStreamer-drawn
//! Wayland client serving org.cowl.Projection1) on a private dbus-daemon: the dock offers
//! the phone only while one is connected; video focus follows what the driver sees and the
//! phone's own requests; reverse takes the screen after telling the phone; night mode and
//! the driving status are pushed; steering-wheel keys reach the phone while it plays media;
//! a daemon that dies, comes back or hangs costs the compositor nothing.

use crate::common;

use std::time::Duration;

use common::bus::PrivateBus;
use common::capture::{CaptureClient, Probe, read_pixel};
use common::client::TestClient;
use common::phone::PhoneSim;
use common::{CAMERA, Compositor, Image, RED};
use cowl_sdk::vehicle::names::CURRENT_GEAR;
use cowl_testkit::config::{GREEN_CAMERA, screen};

/// 640x480: status bar 0..40, dock 400..480. Without a phone the dock holds home 240..320
/// and App 320..400; with one, home 200..280, App 280..360 and Phone 360..440.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .camera(GREEN_CAMERA)
        .app("org.test.App", "App", &[])
        .app(
            "projection",
            "Phone",
            &["icon = \"phone\"", "role = \"projection\""],
        )
        .toml()
}

/// A captured XRGB pixel is the camera's colour.
fn is_camera(pixel: u32) -> bool {
    pixel.to_be_bytes()[1..] == CAMERA
}
const PHONE_BUTTON: (&str, &str) = ("400", "440");

fn start(bus: &PrivateBus) -> (Compositor, TestClient) {
    let compositor = Compositor::headless_on_bus(
        bus,
        "640x480",
        &["--vehicle", "sim", "--debug-input"],
        &common::apps_of_this_user(&config()),
    );
    let app = TestClient::showing(&compositor, "org.test.App", 0xff0000);
    compositor.wait_for_capture("the app", app_shown);
    (compositor, app)
}

fn app_shown(image: &Image) -> bool {
    image.pixel(20, 60) == RED && image.pixel(620, 380) == RED
}

/// The phone's screen (a test pattern with text): many colours where the app was red.
fn phone_shown(image: &Image) -> bool {
    image.pixel(20, 60) != RED && image.distinct_colours(0, 40, 640, 360) > 6
}

/// The dock shows the Phone button: right of the App button, where the dock is plain
/// without it, the phone icon's right half is drawn.
fn phone_offered(image: &Image) -> bool {
    image.distinct_colours(402, 400, 38, 80) > 2
}

fn told(entry: &'static str) -> impl Fn(&str) -> bool + Send + 'static {
    move |received| received == entry
}

/// How long Cowl's calls to the daemon wait for an answer (`dbus/projection.rs`).
const CALL_TIMEOUT: Duration = Duration::from_secs(1);

/// In R, the live camera damages the screen 30 times a second: every presented frame is
/// captured, and no gap between two camera frames is as long as the timeout of the calls to
/// the daemon (a loop that waited for the daemon would show one at least that long; a
/// loaded machine shows gaps of half a second).
fn assert_frames_keep_their_rate(compositor: &Compositor) {
    let mut capture = CaptureClient::connect(compositor);
    let (buffer, mut file) = capture.buffer(640, 480);
    let mut presented = Vec::new();
    while presented.len() < 45 {
        let frame = capture.arm(&buffer);
        let at = capture.presented(frame);
        if is_camera(read_pixel(&mut file, 640, 20, 60)) {
            presented.push(at);
        }
    }
    let longest = presented
        .windows(2)
        .map(|pair| pair[1].saturating_sub(pair[0]))
        .max()
        .expect("frames");
    assert!(
        longest < CALL_TIMEOUT,
        "a gap of {longest:?} between frames"
    );
}

#[test]
fn a_stranger_owning_the_projection_name_is_no_phone() {
    use std::os::unix::fs::PermissionsExt;
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: playing another user (setpriv) needs root, as CI has");
        return;
    }
    // A bus where a bus policy lets anyone own any name, and a Wayland socket anyone may
    // reach: only who runs the daemon is left to tell it from a stranger.
    let bus_dir = tempfile::tempdir().expect("a temp dir");
    let bus = PrivateBus::start_for_every_user(bus_dir.path());
    let (compositor, _app) = start(&bus);
    for (path, mode) in [
        (compositor.runtime_dir().to_path_buf(), 0o755),
        (compositor.runtime_dir().join(&compositor.socket), 0o777),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    // Nobody (not Cowl's user, nor root) owns the name and says a phone is connected.
    let _stranger = PhoneSim::start_as(&compositor, &bus, &["--connect", "Evil"], Some(65534));
    let image = compositor.wait_for_capture("Cowl to judge the name's owner", |_| {
        compositor
            .log()
            .contains("its owner does not run as the projection daemon's user")
    });
    assert!(
        !phone_offered(&image),
        "the stranger's phone is in the dock"
    );
    let refused = bus.cowlctl(&["activate", "projection"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no phone is connected"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn the_phone_is_offered_while_connected_and_shown_with_video_focus() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let sim = PhoneSim::start(&compositor, &bus, &[]);
    // A daemon that appears is told the theme and the driving status at once.
    sim.wait_for_received("the night mode", |entry| entry.starts_with("SetNightMode"));
    sim.wait_for_received("the driving status", |entry| {
        entry.starts_with("SetDrivingStatus")
    });
    let plain = compositor.wait_for_capture("no phone in the dock", |image| !phone_offered(image));
    assert!(app_shown(&plain));
    let refused = bus.cowlctl(&["activate", "projection"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no phone is connected"));

    sim.play(&["connect", "Pixel 9"]);
    compositor.wait_for_capture("the phone in the dock", phone_offered);
    bus.cowlctl_ok(&["tap", PHONE_BUTTON.0, PHONE_BUTTON.1]);
    sim.wait_for_received("it has the screen", told("SetVideoFocus true user"));
    compositor.wait_for_capture("the phone's screen", phone_shown);
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "projection");
    // A touch on the phone's screen reaches the phone, in its surface's coordinates (the
    // app area starts 40 pixels down).
    bus.cowlctl_ok(&["tap", "100", "140"]);
    sim.wait_for_received("the touch", told("Touch 100 100"));

    // The driver opens another app: the phone is told it lost the screen.
    bus.cowlctl_ok(&["activate", "org.test.App"]);
    sim.wait_for_received("it lost the screen", told("SetVideoFocus false app"));
    compositor.wait_for_capture("the app again", app_shown);

    // A call comes in: the phone asks for the screen and for call audio, and gets both.
    sim.play(&["call", "Alice"]);
    sim.wait_for_received("the screen for the call", told("SetVideoFocus true phone"));
    sim.wait_for_received("call audio", told("SetAudioFocus call"));
    compositor.wait_for_capture("the phone's screen for the call", phone_shown);

    // The phone goes: the view before it comes back, and the dock loses the phone.
    sim.play(&["disconnect"]);
    compositor.wait_for_capture("the app, and no phone in the dock", |image| {
        app_shown(image) && !phone_offered(image)
    });
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.App");
}

#[test]
fn reverse_tells_the_phone_before_the_camera_takes_its_screen() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let sim = PhoneSim::start(&compositor, &bus, &["--connect", "Pixel 9"]);
    compositor.wait_for_capture("the phone in the dock", phone_offered);
    bus.cowlctl_ok(&["activate", "projection"]);
    sim.wait_for_received("it has the screen", told("SetVideoFocus true user"));
    compositor.wait_for_capture("the phone's screen", phone_shown);

    // Every presented frame is captured from before the gear changes, so the first one
    // showing the camera is seen, with its presentation time.
    let mut capture = CaptureClient::connect(&compositor);
    let (buffer, mut file) = capture.buffer(640, 480);
    let armed = capture.arm(&buffer);
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    let probe = Probe {
        file: &mut file,
        width: 640,
        at: (20, 60),
        shows: &is_camera,
    };
    let camera_presented = capture.first_presented_where(armed, &buffer, probe);
    let log = sim.wait_for_received("it lost the screen", told("SetVideoFocus false camera"));
    let (told_at, _) = log
        .iter()
        .find(|(_, entry)| entry == "SetVideoFocus false camera")
        .expect("the entry");
    // The camera waits for the phone's answer only so long (50 ms): a phone that a loaded
    // machine let answer later is overtaken, as Cowl's log then says.
    let overtaken = compositor
        .log()
        .contains("the projection daemon did not answer in time");
    assert!(
        overtaken || Duration::from_nanos(*told_at) <= camera_presented,
        "the phone heard it at {told_at} ns, after the camera was on screen at {camera_presented:?}"
    );

    // Out of R, the phone has its screen back, for the same reason it lost it.
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    sim.wait_for_received("it has the screen back", told("SetVideoFocus true camera"));
    compositor.wait_for_capture("the phone's screen again", phone_shown);
}

/// A media player of the test's own on the bus (the media app's MPRIS2 name), which says
/// which Player methods were called.
struct Player {
    calls: std::sync::mpsc::Sender<&'static str>,
}

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl Player {
    fn next(&self) {
        let _ = self.calls.send("Next");
    }

    fn previous(&self) {
        let _ = self.calls.send("Previous");
    }

    fn play_pause(&self) {
        let _ = self.calls.send("PlayPause");
    }
}

#[test]
fn steering_wheel_keys_go_to_the_phone_while_it_plays_media_else_to_the_media_app() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let (calls, called) = std::sync::mpsc::channel();
    let _player = zbus::block_on(
        zbus::connection::Builder::address(bus.address.as_str())
            .name("org.mpris.MediaPlayer2.cowl")
            .serve_at("/org/mpris/MediaPlayer2", Player { calls })
            .build(),
    )
    .expect("serve the player");
    let sim = PhoneSim::start(&compositor, &bus, &["--connect", "Pixel 9"]);
    compositor.wait_for_capture("the phone in the dock", phone_offered);
    let key = "Vehicle.Cabin.SteeringWheel.MediaKey";

    // The phone plays nothing: the key goes to the media app.
    bus.cowlctl_ok(&["vehicle", "set", key, "Previous"]);
    assert_eq!(called.recv_timeout(common::DEADLINE), Ok("Previous"));
    bus.cowlctl_ok(&["vehicle", "set", key, "None"]);

    sim.play(&["audio", "media"]);
    sim.wait_for_received("media audio", told("SetAudioFocus media"));
    bus.cowlctl_ok(&["vehicle", "set", key, "Next"]);
    sim.wait_for_received("the key pressed", told("Key next true"));
    bus.cowlctl_ok(&["vehicle", "set", key, "None"]);
    sim.wait_for_received("the key released", told("Key next false"));
    assert!(
        called.try_recv().is_err(),
        "the media app got a key the phone took"
    );
}

#[test]
fn a_daemon_that_dies_takes_the_phone_away_and_a_new_one_is_picked_up() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let mut sim = PhoneSim::start(&compositor, &bus, &["--connect", "Pixel 9"]);
    compositor.wait_for_capture("the phone in the dock", phone_offered);
    bus.cowlctl_ok(&["activate", "projection"]);
    compositor.wait_for_capture("the phone's screen", phone_shown);

    sim.kill(&bus);
    compositor.wait_for_capture("the app, and no phone in the dock", |image| {
        app_shown(image) && !phone_offered(image)
    });
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    assert_frames_keep_their_rate(&compositor);
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);

    let again = PhoneSim::start(&compositor, &bus, &["--connect", "Pixel 9"]);
    again.wait_for_received("the night mode, again", |entry| {
        entry.starts_with("SetNightMode")
    });
    compositor.wait_for_capture("the phone in the dock again", phone_offered);
    bus.cowlctl_ok(&["activate", "projection"]);
    again.wait_for_received("the screen", told("SetVideoFocus true user"));
}

#[test]
fn a_daemon_that_never_answers_costs_no_frames() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let sim = PhoneSim::start(&compositor, &bus, &["--connect", "Pixel 9"]);
    compositor.wait_for_capture("the phone in the dock", phone_offered);
    bus.cowlctl_ok(&["activate", "projection"]);
    sim.wait_for_received("it has the screen", told("SetVideoFocus true user"));
    common::send_signal(sim.pid(), rustix::process::Signal::STOP);

    // Reverse: the phone does not answer, the camera goes ahead after the handover's
    // bound, and the calls that wait for their timeout hold up no frame.
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    assert_frames_keep_their_rate(&compositor);
    let log_path = compositor.runtime_dir().join("cowl.log");
    compositor.wait_for_capture("a call to time out", |_| {
        std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .contains("the projection daemon did not take a call")
    });
    common::send_signal(sim.pid(), rustix::process::Signal::CONT);
}

#[test]
fn the_phone_sim_serves_the_projection1_contract() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start(&bus);
    let _sim = PhoneSim::start(&compositor, &bus, &[]);
    let connection = bus.connect();
    let served = zbus::block_on(async {
        let introspectable = zbus::fdo::IntrospectableProxy::builder(&connection)
            .destination("org.cowl.Projection")
            .path("/org/cowl/Projection")
            .build()
            .await?;
        introspectable.introspect().await.map_err(zbus::Error::from)
    })
    .expect("introspect the daemon");
    let name = "org.cowl.Projection1";
    assert_eq!(
        common::bus::normalized_interface(&served, name),
        common::bus::normalized_interface(&common::bus::committed_interface(name), name),
        "cowl-phone-sim's {name} differs from assets/dbus/{name}.xml"
    );
}
