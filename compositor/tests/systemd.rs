//! What systemd sees of cowl as the Type=notify service of the Yocto image (cowl.service):
//! READY=1 (every test's harness waits for it) once the first frame is on every display
//! and the car is loaded (the first frame does not wait for the car), with where the
//! start-up time went in the log; then watchdog pings at half `WatchdogSec`, sent from the
//! event loop, on the notify socket systemd gives it.

use crate::common;

use common::Compositor;
use cowl_testkit::LogLines;

#[test]
fn a_watchdog_asked_for_is_pinged_at_half_its_timeout() {
    // WatchdogSec=400ms, as systemd passes it (WATCHDOG_PID unset counts as ours).
    let compositor = Compositor::start(
        &["--backend", "headless", "--renderer", "pixman"],
        &[("WATCHDOG_USEC", "400000")],
    );
    for _ in 0..3 {
        assert_eq!(compositor.next_notification(), "WATCHDOG=1");
    }
    compositor.assert_logged("interval=200ms");
}

#[test]
fn a_watchdog_meant_for_another_process_is_not_pinged() {
    let compositor = Compositor::start(
        &["--backend", "headless", "--renderer", "pixman"],
        &[("WATCHDOG_USEC", "400000"), ("WATCHDOG_PID", "1")],
    );
    // The pings would start before READY=1, and say so in the log.
    compositor.assert_not_logged("watchdog");
}

#[test]
fn ready_comes_once_the_first_frame_is_on_every_display() {
    let compositor = Compositor::start(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--output",
            "320x240",
            "--output",
            "320x240",
        ],
        &[],
    );
    // The harness returned on READY=1: by then both displays had their first frame.
    let log = compositor.log();
    let done = log.find("start-up done").expect("the start-up summary");
    for output in ["HEADLESS-1", "HEADLESS-2"] {
        let shown = log
            .lines()
            .position(|line| line.contains("first frame presented") && line.contains(output))
            .and_then(|index| log.find(log.lines().nth(index)?))
            .unwrap_or_else(|| panic!("no first frame on {output} before READY=1:\n{log}"));
        assert!(
            shown < done,
            "{output}'s first frame came after ready:\n{log}"
        );
    }
    let summary = &log[done..];
    for phase in ["config=", "backend=", "dbus=", "first-frame-everywhere="] {
        assert!(
            summary.contains(phase),
            "{phase} missing from the summary:\n{log}"
        );
    }
}

/// A Cowl started by the test itself, killed when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes `bytes` into the FIFO at `path` once its reader (Cowl) opens it, on a thread that
/// waits in the open; fails the test if that does not happen within `DEADLINE`.
fn write_when_read(path: &std::path::Path, bytes: Vec<u8>) {
    let (written, done) = std::sync::mpsc::channel();
    let fifo = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = written.send(std::fs::write(&fifo, bytes));
    });
    match done.recv_timeout(common::DEADLINE) {
        Ok(result) => result.expect("write into the FIFO"),
        Err(_) => panic!("cowl never opened {} to read it", path.display()),
    }
}

#[test]
fn the_first_frame_does_not_wait_for_the_car_but_ready_does() {
    use std::os::unix::net::UnixDatagram;
    use std::process::{Command, Stdio};

    // The car's DBC is a FIFO: Cowl's loading thread waits in its read, as on a slow disk
    // or a DBC that takes long to parse, until this test writes the demo DBC into it.
    let dir = common::private_runtime_dir();
    let dbc = dir.path().join("car.dbc");
    let made = Command::new("mkfifo")
        .arg(&dbc)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", dbc.display());
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/vehicle");
    let config = dir.path().join("cowl.toml");
    std::fs::write(
        &config,
        format!(
            "[dbus]\nbus = \"none\"\n[vehicle]\nsource = \"sim\"\n[[vehicle.buses]]\n\
             interface = \"can0\"\ndbc = \"car.dbc\"\nmapping = \"{assets}/cowl-demo.toml\"\n"
        ),
    )
    .expect("write the configuration");
    let notify_path = dir.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("bind the notify socket");
    notify.set_nonblocking(true).expect("non-blocking");
    let mut cowl = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_cowl"))
            .args(["--backend", "headless", "--renderer", "pixman"])
            .args(["--output", "320x240", "--socket", "cowl-test", "--config"])
            .arg(&config)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("NOTIFY_SOCKET", &notify_path)
            .env("RUST_LOG", "info")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cowl"),
    );
    let log = LogLines::of(&mut cowl.0);

    log.shows("first frame presented");
    // A client's roundtrip is served after the loop iteration that presented the frame, the
    // one that would have sent READY=1 if ready did not wait for the car.
    let info = Command::new("wayland-info")
        .env("XDG_RUNTIME_DIR", dir.path())
        .env("WAYLAND_DISPLAY", "cowl-test")
        .output()
        .expect("run wayland-info (.ci/install-deps test)");
    assert!(info.status.success(), "wayland-info failed: {info:?}");
    let mut message = [0u8; 512];
    let early = notify.recv(&mut message);
    assert!(
        early.is_err(),
        "cowl notified {:?} before its car was loaded: {:#?}",
        String::from_utf8_lossy(&message[..early.unwrap_or(0)]),
        log.so_far()
    );

    let demo_dbc = std::fs::read(common::DEMO_DBC).expect("the demo DBC");
    write_when_read(&dbc, demo_dbc);
    notify.set_nonblocking(false).expect("blocking");
    let ready = common::wait_for_ready_of(&notify, Some(&mut cowl.0));
    assert_eq!(ready, Ok(()), "{:#?}", log.so_far());
    // The simulator's car, from the DBC written late, is the one that runs, and the
    // summary has its phase.
    log.shows("vehicle signals source=Sim");
    let summary = log.line_with("start-up done");
    assert!(summary.contains(" car="), "{summary}");
}
