//! The simulator's subcommands against a bus where no simulator runs: a clear error, not a
//! D-Bus error name. (Its daemon side is driven by the compositor's tests/projection.rs;
//! this test also makes `cargo test --workspace` build the binary those tests start.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn playing_a_phone_that_is_not_running_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut daemon = Command::new("dbus-daemon")
        .arg("--session")
        .arg(format!("--address=unix:path={}/bus", dir.path().display()))
        .args(["--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon");
    let mut address = String::new();
    BufReader::new(daemon.stdout.take().expect("its stdout"))
        .read_line(&mut address)
        .expect("the bus address");

    let output = Command::new(env!("CARGO_BIN_EXE_cowl-phone-sim"))
        .args(["call", "Alice"])
        .env("DBUS_SESSION_BUS_ADDRESS", address.trim())
        .stdin(Stdio::null())
        .output()
        .expect("run cowl-phone-sim");
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cowl-phone-sim is not running on the session bus"),
        "{stderr}"
    );
}
