//! The rear camera: a real GStreamer pipeline (videotestsrc into an appsink) in cowl's camera
//! helper. In R it covers the whole screen, chrome and apps alike, with guide lines; out of
//! R the view is as before; a camera that delivers nothing gives the "Camera unavailable"
//! screen, never the app behind; a helper that hangs, dies or talks nonsense is replaced
//! and the camera comes back. Driven by the simulator and checked on captures.

use crate::common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{CAMERA, COVER, Compositor, Image, NIGHT_PANEL, RED};
use cowl_sdk::vehicle::names::CURRENT_GEAR;

const GUIDE: [u8; 3] = [0xff, 0xd2, 0x1f];

fn config(pipeline: &str) -> String {
    format!(
        "[[outputs]]\nname = \"HEADLESS-1\"\n[outputs.layout]\nstatus_bar = {{ edge = \"top\", size = 40 }}\n\n\
         [camera]\npipeline = {pipeline:?}\n\n[[apps]]\nid = \"org.test.App\"\nname = \"App\"\n"
    )
}

fn app_shown(image: &Image) -> bool {
    image.pixel(20, 100) == RED && image.pixel(2, 2) == NIGHT_PANEL
}

/// cowl with this camera pipeline, the simulated car, and a red app shown.
fn start_with_app(bus: &PrivateBus, pipeline: &str) -> (Compositor, TestClient) {
    let compositor =
        Compositor::headless_on_bus(bus, "640x480", &["--vehicle", "sim"], &config(pipeline));
    let app = TestClient::showing(&compositor, "org.test.App", 0xff0000);
    compositor.wait_for_capture("the app", app_shown);
    (compositor, app)
}

#[test]
fn reverse_shows_the_camera_over_everything_and_leaving_it_restores_the_view() {
    let bus = PrivateBus::start();
    let pipeline = "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00c000 \
                    ! video/x-raw,format=BGRx,width=160,height=120,framerate=30/1 \
                    ! appsink name=camera";
    let (compositor, _app) = start_with_app(&bus, pipeline);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    let camera = compositor.wait_for_capture("the camera, full screen", |image| {
        image.pixel(20, 100) == CAMERA && image.pixel(2, 2) == CAMERA
    });
    let guides = (0..640)
        .flat_map(|x| (240..480).map(move |y| (x, y)))
        .filter(|&(x, y)| camera.pixel(x, y) == GUIDE)
        .count();
    assert!(guides > 100, "guide lines are drawn ({guides} pixels)");

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    compositor.wait_for_capture("the view as before", app_shown);
}

#[test]
fn a_camera_that_delivers_nothing_gives_the_fallback_screen() {
    let bus = PrivateBus::start();
    let pipeline = "videotestsrc is-live=true ! video/x-raw,format=BGRx,width=160,height=120 \
                    ! valve drop=true ! appsink name=camera";
    let (compositor, _app) = start_with_app(&bus, pipeline);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the fallback screen, never the app", |image| {
        image.pixel(20, 100) == COVER && image.pixel(2, 2) == COVER
    });
}

#[test]
fn a_camera_of_another_shape_is_shown_whole_between_black_bars_by_the_gpu_renderer() {
    let bus = PrivateBus::start();
    // 32:9 on a 4:3 screen: the picture is 640x180 in the middle, black above and below.
    let pipeline = "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00c000 \
                    ! video/x-raw,format=BGRx,width=320,height=90,framerate=30/1 \
                    ! appsink name=camera";
    let args = [
        "--backend",
        "headless",
        "--renderer",
        "gles",
        "--output",
        "640x480",
        "--vehicle",
        "sim",
    ];
    let compositor = Compositor::start_with_config(&args, &bus.env(), &config(pipeline));
    let _app = TestClient::showing(&compositor, "org.test.App", 0xff0000);
    compositor.wait_for_capture("the app", app_shown);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    let camera = compositor.wait_for_capture("the camera between bars", |image| {
        image.pixel(320, 200) == CAMERA
    });
    for (x, y) in [(5, 5), (320, 145), (635, 335), (320, 475)] {
        assert_eq!(camera.pixel(x, y), common::BLACK, "a bar at {x},{y}");
    }
    for (x, y) in [(5, 155), (635, 155), (5, 325), (320, 200)] {
        assert_eq!(camera.pixel(x, y), CAMERA, "the picture at {x},{y}");
    }
}

/// A process's command name.
fn command_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The camera helper cowl runs now (called once the camera has been seen, so one is up).
fn camera_helper_of(compositor: &Compositor) -> u32 {
    children_of(compositor.pid())
        .into_iter()
        .find(|&pid| command_name(pid) == "cowl-camera")
        .unwrap_or_else(|| compositor.fail("no camera helper is running"))
}

/// The processes cowl started (its children) that still run (not zombies waiting to be
/// reaped), for stopping them all.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // After the command's parenthesised name: state, then the parent's pid.
            let mut fields = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace());
            let state = fields.as_mut().and_then(Iterator::next);
            let parent = fields
                .as_mut()
                .and_then(Iterator::next)
                .and_then(|parent| parent.parse::<u32>().ok());
            state != Some("Z") && parent == Some(pid)
        })
        .collect()
}

#[test]
fn the_camera_comes_with_every_app_hung_and_the_bus_gone() {
    // Two seconds of the demo car's gear frames, looped: D for one, R for the other. The
    // replay is the car's own path (no D-Bus involved); cowl plays it in real time.
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("gears.log");
    let frames: String = (0..20)
        .map(|tenth| {
            let gear = if tenth < 10 { "33" } else { "11" };
            format!(
                "({}.{}00000) can0 123#{gear}\n",
                1000 + tenth / 10,
                tenth % 10
            )
        })
        .collect();
    std::fs::write(&log, frames).expect("write the log");
    let pipeline = "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00c000 \
                    ! video/x-raw,format=BGRx,width=160,height=120,framerate=30/1 \
                    ! appsink name=camera";
    let config = format!(
        "{}\n[watchdog]\nhung_after_ms = 500\nkill_after_ms = 0\n\n\
         [[apps]]\nid = \"org.test.Term\"\nname = \"Term\"\nexec = \"foot --app-id org.test.Term\"\nautostart = true\n",
        config(pipeline)
    );
    let mut bus = PrivateBus::start();
    let log_arg = log.display().to_string();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--replay", &log_arg, "--replay-loop"],
        &config,
    );
    const FOOT_BACKGROUND: [u8; 3] = [0x11, 0x11, 0x11];
    compositor.wait_for_capture("foot", |image| image.pixel(320, 300) == FOOT_BACKGROUND);

    // Every app cowl started stops answering, and is covered as not responding.
    let apps: Vec<u32> = children_of(compositor.pid())
        .into_iter()
        .filter(|&pid| command_name(pid) != "cowl-camera")
        .collect();
    assert!(!apps.is_empty(), "cowl started the app");
    for pid in &apps {
        common::send_signal(*pid, rustix::process::Signal::STOP);
    }
    compositor.wait_for_capture("the hung app covered", |image| {
        image.pixel(320, 300) == COVER
    });
    // And the bus goes away.
    bus.kill();

    compositor.wait_for_capture("the camera, in R", |image| {
        image.pixel(320, 300) == CAMERA && image.pixel(2, 2) == CAMERA
    });
    compositor.wait_for_capture("the view as before, in D", |image| {
        image.pixel(320, 300) == COVER && image.pixel(2, 2) == NIGHT_PANEL
    });
    compositor.wait_for_capture("the camera again, in R", |image| {
        image.pixel(320, 300) == CAMERA
    });
    for pid in &apps {
        common::send_signal(*pid, rustix::process::Signal::KILL);
    }
}

const GREEN_PIPELINE: &str = cowl_testkit::config::GREEN_CAMERA;

fn camera_shown(image: &Image) -> bool {
    image.pixel(20, 100) == CAMERA && image.pixel(2, 2) == CAMERA
}

fn fallback_shown(image: &Image) -> bool {
    image.pixel(20, 100) == COVER && image.pixel(2, 2) == COVER
}

#[test]
fn a_camera_helper_that_hangs_gives_the_fallback_and_is_replaced_as_is_one_that_dies() {
    let bus = PrivateBus::start();
    let (mut compositor, _app) = start_with_app(&bus, GREEN_PIPELINE);
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the camera", camera_shown);

    // The helper stops (a driver stuck in the kernel): the fallback, never a frozen picture.
    let hung = camera_helper_of(&compositor);
    common::send_signal(hung, rustix::process::Signal::STOP);
    compositor.wait_for_capture("the fallback screen", fallback_shown);

    // It stays stopped: the watchdog replaces it, and the camera is back while still in R.
    // The fallback showed, so the old picture was past the timeout: green now is the new
    // helper's.
    compositor.wait_for_capture("the camera from another helper", camera_shown);
    let replacement = camera_helper_of(&compositor);
    assert_ne!(replacement, hung, "another helper");
    compositor.assert_logged("silent: no frames");

    // The new one dies: cowl starts another, and the camera is back again.
    common::send_signal(replacement, rustix::process::Signal::KILL);
    compositor.wait_for_capture("the fallback screen again", fallback_shown);
    compositor.wait_for_capture("the camera again", camera_shown);
    assert!(compositor.is_running(), "cowl lives on");
    assert_ne!(camera_helper_of(&compositor), replacement, "a third helper");
}

/// Waits for process `pid` to end (through a pidfd, which becomes readable then).
fn wait_for_end_of(compositor: &Compositor, pid: u32, what: &str) {
    let pidfd = rustix::process::Pid::from_raw(pid as i32)
        .and_then(|pid| rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok())
        .unwrap_or_else(|| compositor.fail(&format!("{what}: no pidfd for {pid}")));
    let mut fds = [rustix::event::PollFd::new(
        &pidfd,
        rustix::event::PollFlags::IN,
    )];
    let timeout = rustix::event::Timespec {
        tv_sec: common::DEADLINE.as_secs() as i64,
        tv_nsec: 0,
    };
    loop {
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(0) => compositor.fail(&format!("{what}: {pid} still runs")),
            Ok(_) => return,
            Err(rustix::io::Errno::INTR) => continue,
            Err(err) => compositor.fail(&format!("{what}: {err}")),
        }
    }
}

#[test]
fn a_camera_helper_that_hangs_out_of_reverse_is_replaced_before_reverse() {
    let bus = PrivateBus::start();
    let (compositor, _app) = start_with_app(&bus, GREEN_PIPELINE);
    // Once the helper has shown it works, it stops while the car is in P.
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the camera", camera_shown);
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    compositor.wait_for_capture("the app", app_shown);
    let hung = camera_helper_of(&compositor);
    common::send_signal(hung, rustix::process::Signal::STOP);

    // Nothing is on screen to tell, but the helper's signs of life stop: cowl kills it.
    wait_for_end_of(&compositor, hung, "the stopped helper");
    compositor.assert_logged("silent: no frames");
    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the camera from another helper", camera_shown);
    assert_ne!(camera_helper_of(&compositor), hung, "another helper");
}

#[test]
fn a_camera_helper_that_talks_nonsense_is_cut_off_and_replaced() {
    let bus = PrivateBus::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let starts = dir.path().join("starts");
    // The first helper writes bytes that are no message of the link and lingers; the
    // second is the real one.
    let script = dir.path().join("cowl-camera");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho started >> '{starts}'\n\
             if [ \"$(wc -l < '{starts}')\" -ge 2 ]; then exec '{helper}' \"$@\"; fi\n\
             printf 'this is no message' >&3\nexec sleep 600\n",
            starts = starts.display(),
            helper = env!("CARGO_BIN_EXE_cowl-camera"),
        ),
    )
    .expect("write the script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make it executable");
    let script_path = script.display().to_string();
    let mut env = bus.env().to_vec();
    env.push(("COWL_CAMERA_HELPER", script_path.as_str()));
    let args = [
        "--backend",
        "headless",
        "--renderer",
        "pixman",
        "--output",
        "640x480",
        "--vehicle",
        "sim",
    ];
    let compositor = Compositor::start_with_config(&args, &env, &config(GREEN_PIPELINE));
    let _app = TestClient::showing(&compositor, "org.test.App", 0xff0000);
    compositor.wait_for_capture("the app", app_shown);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the camera, from the second helper", camera_shown);
    let started = std::fs::read_to_string(&starts).expect("the starts");
    assert_eq!(started.lines().count(), 2, "one helper cut off, one real");
    compositor.assert_logged("camera helper lost");
}

/// FMVSS 111 wants the rear view for as long as the car is in reverse. A gear frame cut short
/// (undecodable) and then a gear signal that goes stale in R (its ECU silent for longer than
/// the mapping's 1 s) must not take the camera away: only another gear received does.
#[test]
fn in_reverse_the_camera_stays_through_a_short_frame_and_a_stale_gear_until_another_gear() {
    let bus = PrivateBus::start();
    let dir = tempfile::tempdir().expect("a temp dir");
    let log = dir.path().join("reverse.log");
    std::fs::write(
        &log,
        "(100.000000) can0 123#11000000\n\
         (100.500000) can0 123#11\n\
         (103.000000) can0 100#0000010000000000\n\
         (104.000000) can0 123#00000000\n",
    )
    .expect("write the log");
    let pipeline = "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00c000 \
                    ! video/x-raw,format=BGRx,width=160,height=120,framerate=30/1 \
                    ! appsink name=camera";
    let log_arg = log.display().to_string();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--replay", &log_arg, "--replay-stepped", "--debug-input"],
        &config(pipeline),
    );
    let _app = TestClient::showing(&compositor, "org.test.App", 0xff0000);
    let mut drive = common::drive::SteppedDrive::of_log(&bus, &log);
    let camera = |image: &Image| image.pixel(20, 100) == CAMERA && image.pixel(2, 2) == CAMERA;

    drive.to(0.0);
    compositor.wait_for_capture("the camera in R", camera);
    drive.to(0.5);
    compositor.wait_for_capture("the camera after a short gear frame", camera);
    drive.to(3.0);
    let car = bus.cowlctl_ok(&["vehicle"]);
    assert!(
        !car.contains(&format!("{CURRENT_GEAR} = R")),
        "the gear has gone stale by 3 s into the log:\n{car}"
    );
    compositor.wait_for_capture("the camera with the gear stale in R", camera);
    drive.to(4.0);
    compositor.wait_for_capture("the view once P is received", app_shown);
}
