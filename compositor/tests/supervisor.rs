//! The app supervisor, the watchdog and the start-up curtain with real apps: an autostart
//! foot that is killed comes back in a new process; one that hangs (SIGSTOP) is covered as
//! not responding, then killed and restarted; the screen stays black until every autostart
//! app has shown, or until the ready timeout when one never does.

use crate::common;

use common::{COVER, Compositor, Image};

/// foot's `ESC[41m` red.
const FOOT_RED: [u8; 3] = [0xcc, 0x93, 0x93];

fn shows_the_app(image: &Image) -> bool {
    (0..200).any(|x| image.pixel(x, 5) == FOOT_RED)
}

/// The pids the supervisor logged for `app`, in order.
fn started_pids(compositor: &Compositor, app: &str) -> Vec<u32> {
    compositor
        .log()
        .lines()
        .filter(|line| line.contains("started app") && line.contains(app))
        .filter_map(|line| {
            let pid = line.split("pid=").nth(1)?;
            pid.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

/// Cowl on a 640x240 output with a supervised foot; `extra` is more configuration.
fn start_with_supervised_foot(extra: &str) -> Compositor {
    let compositor = Compositor::start_with_config(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--output",
            "640x240",
        ],
        &[("LC_ALL", "C.UTF-8")],
        &format!("{extra}\n{FOOT_APP}"),
    );
    compositor.wait_for_capture("the autostart app to show", shows_the_app);
    compositor
}

const FOOT_APP: &str = r#"[[apps]]
id = "org.cowl.Term"
name = "Terminal"
exec = "foot --app-id org.cowl.Term sh -c \"printf '\\033[41m SUPERVISED \\033[0m\\n'; exec sleep infinity\""
autostart = true
restart = "on-failure"
"#;

#[test]
fn a_crashed_autostart_app_is_restarted() {
    let compositor = start_with_supervised_foot("");
    let first = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(first.len(), 1, "{}", compositor.log());

    // A crash: the app is killed.
    common::send_signal(first[0], rustix::process::Signal::KILL);
    compositor.wait_for_capture("the killed app's window to go", |image| {
        !shows_the_app(image)
    });
    compositor.wait_for_capture("the app to come back", shows_the_app);
    let pids = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(pids.len(), 2, "one restart: {}", compositor.log());
    assert_ne!(pids[0], pids[1]);
    compositor.assert_logged("app exited; restarting");
}

#[test]
fn a_hung_app_is_covered_then_killed_and_restarted() {
    let compositor =
        start_with_supervised_foot("[watchdog]\nhung_after_ms = 600\nkill_after_ms = 2000\n");
    let first = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(first.len(), 1, "{}", compositor.log());

    // The app freezes: it no longer answers pings, its last frame stays.
    common::send_signal(first[0], rustix::process::Signal::STOP);
    let covered = compositor.wait_for_capture("the hung app to be covered", |image| {
        image.pixel(2, 2) == COVER
    });
    assert!(
        covered.is_filled(0, 0, 640, 80, COVER) && covered.is_filled(0, 160, 640, 80, COVER),
        "the whole window is covered"
    );
    // Its middle says so, in light text on the cover.
    let text = (80..160)
        .flat_map(|y| (0..640).map(move |x| (x, y)))
        .filter(|&(x, y)| covered.pixel(x, y).iter().all(|&channel| channel > 160))
        .count();
    assert!(
        text > 200,
        "expected a message on the cover, found {text} light pixels"
    );
    compositor.assert_logged("not responding");

    // Then it is killed and, per its on-failure policy, started again.
    compositor.wait_for_capture("the app to come back", shows_the_app);
    let pids = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(pids.len(), 2, "{}", compositor.log());
    compositor.assert_logged("killing the hung app");
}

#[test]
fn the_curtain_lifts_as_soon_as_every_autostart_app_has_shown() {
    // A minute-long timeout: only the app showing can lift the curtain within the deadline.
    let compositor = start_with_supervised_foot("[shell]\nready_timeout_ms = 60000\n");
    compositor.assert_logged("every autostart app has shown");
}

#[test]
fn the_curtain_hides_apps_until_the_timeout_when_an_autostart_app_never_shows() {
    let compositor = Compositor::headless_with_config(
        "[shell]\nready_timeout_ms = 6000\n\n[[apps]]\nid = \"org.cowl.Never\"\n\
         name = \"Never shows\"\nexec = \"sleep 600\"\nautostart = true\n",
        &["--renderer", "pixman", "--output", "320x240"],
    );
    let mut app = common::client::TestClient::map_toplevel(&compositor, "org.cowl.Test");
    app.draw(0x00ff_0000);
    app.wait_for_frame_callbacks(1);
    // The app has drawn, but the shell is not ready: black, not a half-assembled screen.
    assert!(
        compositor
            .capture()
            .is_filled(0, 0, 320, 240, common::BLACK)
    );
    compositor.wait_for_capture("the curtain to lift at the timeout", |image| {
        image.is_filled(0, 0, 320, 240, [255, 0, 0])
    });
    compositor.assert_logged("these apps never showed");
}

#[test]
fn an_app_cowl_started_does_not_outlive_cowl_killed_outright() {
    // Not a Wayland client: it would not notice the compositor go by itself.
    let mut compositor = Compositor::start_with_config(
        &["--backend", "headless", "--renderer", "pixman"],
        &[],
        "[[apps]]\nid = \"org.cowl.Sleeper\"\nname = \"Sleeper\"\n\
         exec = \"sleep 600\"\nautostart = true\nrestart = \"never\"\n",
    );
    let pids = started_pids(&compositor, "org.cowl.Sleeper");
    assert_eq!(pids.len(), 1, "{}", compositor.log());
    let app = rustix::process::Pid::from_raw(pids[0] as i32).expect("a pid");
    // Watched before Cowl goes, so that its exit cannot be missed.
    let exited = rustix::process::pidfd_open(app, rustix::process::PidfdFlags::empty())
        .expect("pidfd_open the app");

    // SIGKILL: no clean-up of Cowl's runs; the kernel's death signal must do it.
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &compositor.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    compositor.wait_for_exit();

    let mut watch = [rustix::event::PollFd::new(
        &exited,
        rustix::event::PollFlags::IN,
    )];
    let timeout = rustix::event::Timespec {
        tv_sec: common::DEADLINE.as_secs() as i64,
        tv_nsec: 0,
    };
    let ready = rustix::event::poll(&mut watch, Some(&timeout)).expect("poll the pidfd");
    assert_eq!(ready, 1, "the app outlived Cowl by {:?}", common::DEADLINE);
}

/// A process Cowl did not start claims the supervised app's app_id, then hangs. It is an
/// unknown app (identity.rs): covered as not responding, but never killed, and the
/// supervised app it pretends to be is left alone too.
#[test]
fn a_hung_impostor_of_a_supervised_app_is_covered_and_never_killed() {
    let compositor =
        start_with_supervised_foot("[watchdog]\nhung_after_ms = 600\nkill_after_ms = 1500\n");
    let supervised = started_pids(&compositor, "org.cowl.Term");
    let impostor = compositor.spawn_client(
        "foot",
        &[
            "--app-id",
            "org.cowl.Term",
            "sh",
            "-c",
            "printf '\\033[44m IMPOSTOR \\033[0m\\n'; exec sleep infinity",
        ],
    );
    compositor.wait_for_capture("the impostor's window, as an unknown app", |image| {
        !shows_the_app(image) && image.pixel(2, 2) != [0, 0, 0]
    });
    common::send_signal(impostor, rustix::process::Signal::STOP);
    compositor.wait_for_capture("the hung impostor covered", |image| {
        image.pixel(2, 2) == COVER
    });
    // Captures pace the wait until the watchdog's kill time has come and gone.
    compositor.wait_for_capture("the watchdog's decision", |_| {
        compositor.log().contains("stays covered, not killed")
    });
    assert!(
        std::path::Path::new(&format!("/proc/{impostor}")).exists(),
        "the impostor was killed"
    );
    compositor.assert_not_logged("killing the hung app");
    assert_eq!(started_pids(&compositor, "org.cowl.Term"), supervised);
    common::send_signal(impostor, rustix::process::Signal::KILL);
}

/// The accent colours of the day and night themes: the "Try again" button's.
const ACCENTS: [[u8; 3]; 2] = [[0x0b, 0x63, 0xd6], [0x4c, 0x9a, 0xff]];

/// The app area of 640x480 with a 40 status bar and an 80 dock is 0,40 640x360; a waiting
/// slot there has its "Try again" button at 200,250 240x60.
fn shows_a_waiting_slot(image: &Image) -> bool {
    image.pixel(5, 45) != [0, 0, 0] && image.distinct_colours(0, 40, 640, 200) > 3
}

fn offers_to_try_again(image: &Image) -> bool {
    ACCENTS.contains(&image.pixel(205, 255)) && ACCENTS.contains(&image.pixel(435, 305))
}

#[test]
fn an_app_whose_program_is_missing_says_so_and_is_tried_again_on_a_tap() {
    let bus = common::bus::PrivateBus::start();
    let config = cowl_testkit::config::screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .app(
            "org.test.Missing",
            "Missing",
            &["exec = \"cowl-no-such-program --anywhere\""],
        )
        .toml();
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config);
    bus.cowlctl_ok(&["activate", "org.test.Missing"]);
    compositor.wait_for_capture(
        "the slot saying the app cannot start, with Try again",
        |image| shows_a_waiting_slot(image) && offers_to_try_again(image),
    );
    // Not restarted for ever: the shell's "not found" gives it up at once.
    compositor.assert_logged("app cannot run; not restarted");
    compositor.assert_not_logged("app exited; restarting");
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Missing");

    bus.cowlctl_ok(&["tap", "320", "280"]);
    compositor.wait_for_capture(
        "the slot offering Try again after the second try",
        offers_to_try_again,
    );
    assert_eq!(
        started_pids(&compositor, "org.test.Missing").len(),
        2,
        "{}",
        compositor.log()
    );
    compositor.assert_logged("trying the app again");
}

#[test]
fn a_slot_whose_app_is_starting_shows_the_app_rather_than_black() {
    let bus = common::bus::PrivateBus::start();
    let config = cowl_testkit::config::screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .app("org.test.Slow", "Slow", &["exec = \"sleep 600\""])
        .toml();
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config);
    bus.cowlctl_ok(&["activate", "org.test.Slow"]);
    let image = compositor.wait_for_capture("the slot of the starting app", shows_a_waiting_slot);
    assert!(
        !offers_to_try_again(&image),
        "a starting app is not offered again"
    );
}
