//! The simulator's subcommands against a bus where no simulator runs: a clear error, not a
//! D-Bus error name. (Its daemon side is driven by the compositor's tests/projection.rs;
//! this test also makes `cargo test --workspace` build the binary those tests start.)

#[test]
fn playing_a_phone_that_is_not_running_says_so() {
    let bus = cowl_testkit::PrivateBus::start();
    let output = bus
        .command(env!("CARGO_BIN_EXE_cowl-phone-sim"))
        .args(["call", "Alice"])
        .output()
        .expect("run cowl-phone-sim");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cowl-phone-sim is not running on the session bus"),
        "{stderr}"
    );
}
