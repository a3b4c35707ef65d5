//! `cowlctl can decode` on the shipped demo drive (assets/vehicle/: a DBC of our own and a
//! recording encoded from it by cantools): the drive reads back as it was recorded, gear by
//! gear; bad input is reported with its place and never stops the rest.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/vehicle")
        .join(name)
}

fn cowlctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cowlctl"))
        .args(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("run cowlctl")
}

/// `cowlctl can decode --dbc DBC` with more arguments (what to decode, --json).
fn decode(dbc: &Path, more: &[&str]) -> Output {
    let mut args = vec!["can", "decode", "--dbc", dbc.to_str().expect("utf-8")];
    args.extend_from_slice(more);
    cowlctl(&args)
}

fn decode_json(log: &Path) -> Vec<Value> {
    let output = decode(
        &asset("cowl-demo.dbc"),
        &["--log", log.to_str().expect("utf-8"), "--json"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

fn frames_named<'a>(frames: &'a [Value], name: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|frame| frame["name"] == name)
        .collect()
}

#[test]
fn the_demo_drive_reads_back_gear_by_gear() {
    let log = asset("demo-drive.log");
    let frames = decode_json(&log);
    let lines = std::fs::read_to_string(&log)
        .expect("the log")
        .lines()
        .count();
    assert_eq!(
        frames.len(),
        lines,
        "every frame of the recording is decoded"
    );

    let mut gears: Vec<&str> = Vec::new();
    for frame in frames_named(&frames, "TCM_Gear") {
        let gear = frame["signals"]["CurrentGear"]
            .as_str()
            .expect("a labelled gear");
        if gears.last() != Some(&gear) {
            gears.push(gear);
        }
    }
    assert_eq!(gears, ["P", "D", "R", "P"]);

    let speeds = frames_named(&frames, "ESC_WheelSpeeds");
    let top = speeds
        .iter()
        .filter_map(|frame| frame["signals"]["VehicleSpeed"].as_f64())
        .fold(0.0, f64::max);
    assert_eq!(top, 50.0);

    let environment = &frames_named(&frames, "ECM_Environment")[0];
    assert_eq!(environment["id"], 0x18FE_F000);
    assert_eq!(environment["extended"], true);
    assert_eq!(environment["signals"]["AirTemperature"], 18.5);
    assert_eq!(environment["signals"]["FuelLevel"], 62.5);

    // Steering-wheel keys: the page multiplexes media and phone keys.
    let keys = frames_named(&frames, "SWC_Keys");
    assert_eq!(keys[0]["signals"]["MediaKey"], "Next");
    assert!(keys[0]["signals"].get("PhoneKey").is_none());
    assert_eq!(keys[2]["signals"]["VolumeSteps"], 2);
    assert_eq!(keys[0]["t"].as_f64(), Some(1_764_400_024.05));

    // GNSS: signed fixed-point degrees, in Helsinki; none while in the tunnel (44-52 s).
    let fixes = frames_named(&frames, "TCU_GnssPosition");
    let first = &fixes[0]["signals"];
    let (lat, lon) = (first["Latitude"].as_f64(), first["Longitude"].as_f64());
    assert!(
        matches!(lat, Some(lat) if (60.16..60.18).contains(&lat)),
        "{first}"
    );
    assert!(
        matches!(lon, Some(lon) if (24.93..24.95).contains(&lon)),
        "{first}"
    );
    let in_tunnel = |frame: &&&Value| {
        let t = frame["t"].as_f64().unwrap_or(0.0) - 1_764_400_000.0;
        (44.0..52.0).contains(&t)
    };
    assert!(!fixes.is_empty() && !fixes.iter().any(|frame| in_tunnel(&frame)));
    let course = frames_named(&frames, "TCU_GnssCourse");
    assert_eq!(course[0]["signals"]["FixType"], "Fix3D");
}

#[test]
fn garbage_lines_are_skipped_with_their_place_and_the_rest_decoded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("mixed.log");
    std::fs::write(
        &log,
        "(1.000000) can0 123#33\nnot a frame\n(2.000000) can0 123#ZZ\n\
         (3.000000) can0 7FF#00\n(4.000000) can0 100#881300\n",
    )
    .expect("write the log");
    let output = decode(
        &asset("cowl-demo.dbc"),
        &["--log", log.to_str().expect("utf-8")],
    );
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("CurrentGear=\"D\""), "{stdout}");
    // A frame shorter than the DBC says: the signals it holds, none guessed.
    assert!(stdout.contains("VehicleSpeed=50.0 km/h"), "{stdout}");
    assert!(!stdout.contains("Counter"), "{stdout}");
    assert!(stderr.contains("mixed.log:2: skipped"), "{stderr}");
    assert!(stderr.contains("mixed.log:3: skipped"), "{stderr}");
    assert!(stderr.contains("2 lines skipped"), "{stderr}");
    assert!(
        stderr.contains("1 frames have ids the DBC does not describe"),
        "{stderr}"
    );
}

#[test]
fn a_broken_dbc_is_refused_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dbc = dir.path().join("broken.dbc");
    common::write_broken_demo_dbc(&dbc);
    let output = decode(&dbc, &["--frame", "100#00"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!("{}:18:", dbc.display());
    assert!(stderr.contains(&expected), "{stderr}");
}

/// `cowlctl ... | head -1`: the reader leaves after one line; cowlctl ends by the closed pipe
/// (SIGPIPE) as any command-line tool does, never with a panic.
#[test]
fn a_reader_that_leaves_early_ends_cowlctl_quietly() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    let dbc = asset("cowl-demo.dbc");
    let log = asset("demo-drive.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cowlctl"))
        .args(["can", "decode", "--dbc"])
        .arg(&dbc)
        .arg("--log")
        .arg(&log)
        // Hundreds of KB: more than a pipe holds, so cowlctl still writes when we leave.
        .arg("--json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cowlctl");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a first line");
    assert!(!first.is_empty());
    // The reader is gone (dropped with the BufReader).
    let output = child.wait_with_output().expect("cowlctl's end");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    const SIGPIPE: i32 = 13;
    assert_eq!(
        output.status.signal(),
        Some(SIGPIPE),
        "ended by SIGPIPE: {:?} {stderr}",
        output.status
    );
}
