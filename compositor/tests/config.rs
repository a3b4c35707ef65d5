//! The configuration as an integrator meets it: `--check-config`, a bad file that stops cowl
//! before it opens a socket, and a layout, background and keymap that clients observe.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::Compositor;
use common::client::TestClient;

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/config/cowl.toml");
const BAD_RESTART: &str = "[[apps]]\nid = \"org.x\"\nname = \"X\"\nrestart = \"sometimes\"\n";

fn cowl(args: &[&str], runtime_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cowl"))
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime_dir)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run cowl")
}

#[test]
fn check_config_accepts_the_shipped_configuration() {
    let dir = common::private_runtime_dir();
    let output = cowl(&["--check-config", SHIPPED], dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).ends_with(": ok\n"));
}

#[test]
fn check_config_names_file_line_column_and_key() {
    let dir = common::private_runtime_dir();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, BAD_RESTART).expect("write");
    let output = cowl(
        &["--check-config", bad.to_str().expect("utf-8")],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let location = format!("{}:4:11: apps[0].restart: ", bad.display());
    assert!(
        stderr.contains(&location),
        "expected {location:?} in {stderr}"
    );
}

#[test]
fn trust_by_executable_path_is_refused_with_the_way_forward() {
    // A listed executable was trusted with screencopy and the rest: anyone could run it with
    // an LD_PRELOAD of theirs, or connect and then exec it. Such a file no longer loads.
    let dir = common::private_runtime_dir();
    let old = dir.path().join("old.toml");
    std::fs::write(
        &old,
        "[security]\nprivileged_executables = [\"/usr/bin/grim\"]\n",
    )
    .expect("write");
    let output = cowl(
        &["--check-config", old.to_str().expect("utf-8")],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let location = format!("{}:2:26: security.privileged_executables: ", old.display());
    assert!(
        stderr.contains(&location) && stderr.contains("-trusted"),
        "expected {location:?} and the trusted socket in {stderr}"
    );
}

#[test]
fn a_bad_configuration_stops_cowl_before_it_opens_a_socket() {
    let dir = common::private_runtime_dir();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, BAD_RESTART).expect("write");
    let output = cowl(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--socket",
            "refused",
            "--config",
            bad.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("apps[0].restart"));
    assert!(
        !dir.path().join("refused").exists(),
        "no socket may be opened"
    );
}

#[test]
fn the_layout_and_background_come_from_the_configuration() {
    let compositor = Compositor::headless_with_config(
        "[[outputs]]\nname = \"HEADLESS-1\"\n[outputs.layout]\n\
         status_bar = { edge = \"top\", size = 40 }\ndock = { edge = \"bottom\", size = 60 }\n\
         background = \"#204060\"\n",
        &["--renderer", "pixman", "--output", "400x300"],
    );
    let background = [0x20, 0x40, 0x60];
    let image = compositor.capture();
    assert!(
        image.is_filled(0, 40, 400, 200, background),
        "the empty app area"
    );
    // The chrome draws its panels in the zones (the clock and the home button further in).
    assert!(
        image.is_filled(0, 0, 10, 40, common::NIGHT_PANEL),
        "status bar"
    );
    assert!(
        image.is_filled(0, 240, 100, 60, common::NIGHT_PANEL),
        "dock"
    );

    let mut app = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    assert_eq!(app.state.configured_size, Some((400, 200)), "the app area");
    app.draw(0x00ff_0000);
    app.wait_for_frames(1);
    let image = compositor.capture();
    assert!(
        image.is_filled(0, 0, 10, 40, common::NIGHT_PANEL),
        "status bar zone"
    );
    assert!(image.is_filled(0, 40, 400, 200, [255, 0, 0]), "app area");
    assert!(
        image.is_filled(0, 240, 100, 60, common::NIGHT_PANEL),
        "dock zone"
    );
}

#[test]
fn the_keymap_comes_from_the_configuration() {
    let compositor = Compositor::headless_with_config(
        "[keyboard]\nlayout = \"de\"\n",
        &["--renderer", "pixman"],
    );
    let mut app = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    let keymap = app.keymap();
    assert!(
        keymap.contains("xkb_symbols"),
        "not a keymap: {keymap:.200}"
    );
    // The compiled keymap names its group after the layout: "German" for `de`.
    let group = keymap
        .lines()
        .find(|line| line.trim_start().to_lowercase().starts_with("name[group1]"))
        .unwrap_or_default();
    assert!(
        group.contains("German"),
        "expected the German layout, got {group:?}"
    );
}

#[test]
fn a_keymap_that_does_not_compile_falls_back_to_the_default_and_the_screens_come() {
    // Ready means the first frame is on the display: a bad layout must not cost it.
    let compositor = Compositor::headless_with_config(
        "[keyboard]\nlayout = \"no-such-layout\"\n",
        &["--renderer", "pixman"],
    );
    let mut app = TestClient::map_toplevel(&compositor, "org.cowl.Test");
    let keymap = app.keymap();
    let group = keymap
        .lines()
        .find(|line| line.trim_start().to_lowercase().starts_with("name[group1]"))
        .unwrap_or_default();
    assert!(
        group.contains("English"),
        "expected xkbcommon's default (us), got {group:?}"
    );
    assert!(
        compositor
            .log()
            .contains("the configured xkb keymap does not compile"),
        "{}",
        compositor.log()
    );
}

#[test]
fn an_app_is_placed_on_the_output_its_configuration_names() {
    let compositor = Compositor::headless_with_config(
        &common::apps_of_this_user(
            "[[outputs]]\nname = \"HEADLESS-1\"\n\n[[outputs]]\nname = \"HEADLESS-2\"\n\
             [outputs.layout]\nstatus_bar = { edge = \"top\", size = 20 }\n\n\
             [[apps]]\nid = \"org.cowl.Passenger\"\nname = \"Passenger\"\n\
             output = \"HEADLESS-2\"\n",
        ),
        &[
            "--renderer",
            "pixman",
            "--output",
            "320x240",
            "--output",
            "320x240",
        ],
    );

    // Declared for the second output: it gets that output's app area, below its status bar.
    let mut passenger = TestClient::map_toplevel(&compositor, "org.cowl.Passenger");
    assert_eq!(passenger.state.configured_size, Some((320, 220)));
    passenger.draw(0x0000_ff00);
    passenger.wait_for_frames(1);
    // Not declared: the first output.
    let mut other = TestClient::map_toplevel(&compositor, "org.example.Undeclared");
    assert_eq!(other.state.configured_size, Some((320, 240)));
    other.draw(0x00ff_0000);
    other.wait_for_frames(1);

    let image = compositor.capture();
    assert_eq!((image.width, image.height), (640, 240));
    assert!(
        image.is_filled(0, 0, 320, 240, [255, 0, 0]),
        "the undeclared app on HEADLESS-1"
    );
    assert!(
        image.is_filled(320, 0, 6, 20, common::NIGHT_PANEL),
        "HEADLESS-2's status bar"
    );
    assert!(
        image.is_filled(320, 20, 320, 220, [0, 255, 0]),
        "the passenger app on HEADLESS-2"
    );
}

/// A configuration naming a DBC file with a syntax error on line 18.
fn broken_dbc_config(dir: &Path, on_bad_dbc: &str) -> std::path::PathBuf {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/vehicle/");
    common::write_broken_demo_dbc(&dir.join("broken.dbc"));
    let config = dir.join("car.toml");
    std::fs::write(
        &config,
        format!(
            "[vehicle]\non_bad_dbc = \"{on_bad_dbc}\"\n[[vehicle.buses]]\ninterface = \"can0\"\n\
             dbc = \"broken.dbc\"\nmapping = \"{demo}cowl-demo.toml\"\n"
        ),
    )
    .expect("write the configuration");
    config
}

#[test]
fn a_broken_dbc_is_named_by_check_config_and_stops_cowl() {
    let dir = common::private_runtime_dir();
    let config = broken_dbc_config(dir.path(), "refuse");
    let config = config.to_str().expect("utf-8");
    let location = format!("{}:18:", dir.path().join("broken.dbc").display());
    for args in [
        vec!["--check-config", config],
        vec!["--backend", "headless", "--config", config],
    ] {
        let output = cowl(&args, dir.path());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&location),
            "{args:?}: expected {location:?} in {stderr}"
        );
    }
}

#[test]
fn a_broken_dbc_may_be_configured_to_run_without_vehicle_data() {
    let dir = common::private_runtime_dir();
    let config = broken_dbc_config(dir.path(), "run-without-vehicle-data");
    let compositor = Compositor::headless_with_config(
        &std::fs::read_to_string(&config).expect("read"),
        &["--config", config.to_str().expect("utf-8")],
    );
    let log = compositor.log();
    assert!(
        log.contains("running without vehicle data, fully restricted"),
        "{log}"
    );
    assert!(log.contains("broken.dbc:18:"), "{log}");
}
