//! What meta-cowl's image runs, checked with the real programs rather than read:
//!
//! - its systemd units pass `systemd-analyze verify` against this machine's systemd and
//!   seatd units, with Cowl's binaries where the recipes install them;
//! - its /etc/cowl (the image's cowl.toml beside the demo car's DBC and mapping, as the cowl
//!   recipe installs them) passes `cowl --check-config`;
//! - its D-Bus policies, loaded by a real dbus-daemon with Debian's system-bus defaults, let
//!   only Cowl's user own org.cowl.Shell and org.cowl.Vehicle, let the apps' group (and
//!   root) call them and nobody else, and let only the apps' user own org.cowl.Projection.
//!   Cowl itself runs as its user on that bus. The image's users are played by accounts of
//!   this machine (setpriv), so this test needs root, as CI has.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn layer_files() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../yocto-layer/recipes-cowl/cowl/files")
}

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

fn report(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A root for `systemd-analyze verify --root`: this machine's systemd units (and seatd's),
/// the layer's units among them (the user units too: see below), and an executable at each
/// path the recipes install a binary to (the binaries themselves are hundreds of MB in a debug build;
/// verify only asks that the ExecStart= path is executable).
fn unit_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("a temporary directory");
    let system = root.path().join("usr/lib/systemd/system");
    let bin = root.path().join("usr/bin");
    for dir in [&system, &bin] {
        std::fs::create_dir_all(dir).expect("make the root's folders");
    }
    let host_units = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .map(Path::new)
        .find(|dir| dir.join("seatd.service").exists())
        .expect("seatd.service is not installed (the seatd package)");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", host_units.display()))
        .arg(&system)
        .status()
        .expect("run cp");
    assert!(copied.success(), "copy the machine's systemd units");
    std::fs::copy(
        layer_files().join("cowl.service"),
        system.join("cowl.service"),
    )
    .expect("copy cowl.service");
    for unit in [
        "cowl-session.target",
        "cowl-ready.path",
        "cowl-nav.service",
        "cowl-media.service",
        "cowl-phone-sim.service",
    ] {
        std::fs::copy(layer_files().join(unit), system.join(unit)).expect("copy a user unit");
    }
    for binary in ["cowl", "cowl-nav", "cowl-media", "cowl-phone-sim", "touch"] {
        // Panics when the workspace does not build it (touch: coreutils', for
        // ExecStartPost=).
        if binary != "touch" {
            common::app_binary(binary);
        }
        let placed = bin.join(binary);
        std::fs::write(&placed, "#!/bin/sh\n").expect("place a binary");
        std::fs::set_permissions(&placed, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
    }
    root
}

fn verify(root: &Path, units: &[&str]) -> Output {
    Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.display()))
        .arg("--man=no")
        .args(units)
        .output()
        .expect("run systemd-analyze (is the systemd package installed?)")
}

#[test]
fn the_units_pass_systemd_analyze_verify_and_a_broken_one_does_not() {
    let root = unit_root();
    // The system unit as systemd loads it; the user units too, but in the system manager's
    // scope: systemd 252's verify cannot take a --root for a user manager, and these units
    // use nothing a user manager reads differently.
    let verified = verify(
        root.path(),
        &[
            "cowl.service",
            "cowl-ready.path",
            "cowl-session.target",
            "cowl-nav.service",
            "cowl-media.service",
            "cowl-phone-sim.service",
        ],
    );
    let said = report(&verified);
    assert!(verified.status.success(), "systemd-analyze verify:\n{said}");
    assert!(!said.contains("cowl"), "systemd-analyze verify:\n{said}");

    // A unit whose binary is not where it says, and one whose Requires= names nothing.
    let system = root.path().join("usr/lib/systemd/system");
    let unit = std::fs::read_to_string(system.join("cowl.service")).expect("cowl.service");
    std::fs::write(
        system.join("cowl.service"),
        unit.replace("/usr/bin/cowl ", "/usr/bin/cowl-compositor ")
            .replace(
                "Requires=seatd.service",
                "Requires=seatd.service no-such.service",
            ),
    )
    .expect("break cowl.service");
    let broken = verify(root.path(), &["cowl.service"]);
    let said = report(&broken);
    assert!(!broken.status.success(), "{said}");
    assert!(said.contains("/usr/bin/cowl-compositor"), "{said}");
}

/// The image's /etc/cowl as the cowl recipe installs it, in `dir`.
fn stage_etc_cowl(dir: &Path) -> PathBuf {
    let config = dir.join("cowl.toml");
    std::fs::copy(layer_files().join("cowl.toml"), &config).expect("copy cowl.toml");
    std::fs::copy(
        assets().join("vehicle/cowl-demo.dbc"),
        dir.join("vehicle.dbc"),
    )
    .expect("copy the DBC");
    std::fs::copy(
        assets().join("vehicle/cowl-demo.toml"),
        dir.join("vehicle.toml"),
    )
    .expect("copy the mapping");
    config
}

fn check_config(config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cowl"))
        .arg("--check-config")
        .arg(config)
        .output()
        .expect("run cowl --check-config")
}

#[test]
fn the_image_s_etc_cowl_passes_cowl_s_own_check() {
    let etc = tempfile::tempdir().expect("a temporary directory");
    let config = stage_etc_cowl(etc.path());
    let checked = check_config(&config);
    assert!(checked.status.success(), "{}", report(&checked));

    // Without the DBC the recipe installs beside it, the same file is refused, by name.
    std::fs::remove_file(etc.path().join("vehicle.dbc")).expect("remove the DBC");
    let refused = check_config(&config);
    assert!(!refused.status.success(), "{}", report(&refused));
    assert!(
        report(&refused).contains("vehicle.dbc"),
        "{}",
        report(&refused)
    );
}

/// The image's users, played by accounts every Debian system has (base-passwd): dbus-daemon
/// drops a peer whose uid has no account, so unused ids cannot play them. Cowl's user is
/// `games`, the apps' user `man`, the apps' group `users`, and `nobody` is the outsider.
const COWL_UID: u32 = 5;
const APPS_UID: u32 = 6;
const APPS_GID: u32 = 100;
const OUTSIDER_UID: u32 = 65534;

/// A policy of the layer with the image's users and groups written as these ids.
fn policy_with_ids(name: &str) -> String {
    let policy = std::fs::read_to_string(layer_files().join(name)).expect("read a policy");
    let mut mapped = policy.clone();
    for (principal, id) in [
        ("user=\"cowl\"", format!("user=\"{COWL_UID}\"")),
        ("user=\"cowl-apps\"", format!("user=\"{APPS_UID}\"")),
        ("group=\"cowl-apps\"", format!("group=\"{APPS_GID}\"")),
    ] {
        mapped = mapped.replace(principal, &id);
    }
    assert_ne!(mapped, policy, "{name} names none of the image's users");
    mapped
}

/// Debian's system bus configuration with its own socket, without forking, dropping
/// privileges, logging, activation or the machine's policies, and with `policies` included.
fn system_bus_config(socket: &Path, policies: &Path) -> String {
    let system = std::fs::read_to_string("/usr/share/dbus-1/system.conf")
        .expect("the system bus's configuration (the dbus-system-bus-common package)");
    let dropped = [
        "<user>",
        "<fork/>",
        "<pidfile>",
        "<syslog/>",
        "<servicehelper>",
        "<standard_system_servicedirs/>",
        "<include",
        "<listen>",
    ];
    let mut config: Vec<String> = system
        .lines()
        .filter(|line| !dropped.iter().any(|tag| line.trim_start().starts_with(tag)))
        .map(str::to_owned)
        .collect();
    let end = config
        .iter()
        .rposition(|line| line.trim() == "</busconfig>")
        .expect("</busconfig> in system.conf");
    config.insert(
        end,
        format!(
            "  <listen>unix:path={}</listen>\n  <includedir>{}</includedir>",
            socket.display(),
            policies.display()
        ),
    );
    config.join("\n")
}

/// Runs `dbus-send ARGS` on the bus at `address` as the user `uid` in group `gid`.
fn dbus_send_as(uid: u32, gid: u32, address: &str, args: &[&str]) -> Output {
    Command::new("setpriv")
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg(format!("--groups={gid}"))
        .args(["--", "dbus-send", "--print-reply"])
        .arg(format!("--bus={address}"))
        .args(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("run setpriv (util-linux) and dbus-send (dbus-bin)")
}

fn ping(uid: u32, gid: u32, address: &str, name: &str, path: &str) -> Output {
    dbus_send_as(
        uid,
        gid,
        address,
        &[
            &format!("--dest={name}"),
            path,
            "org.freedesktop.DBus.Peer.Ping",
        ],
    )
}

fn request_name(uid: u32, gid: u32, address: &str, name: &str) -> Output {
    dbus_send_as(
        uid,
        gid,
        address,
        &[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.RequestName",
            &format!("string:{name}"),
            "uint32:4",
        ],
    )
}

fn assert_allowed(output: &Output, what: &str) {
    assert!(output.status.success(), "{what}: {}", report(output));
}

fn assert_denied(output: &Output, what: &str) {
    assert!(
        !output.status.success() && report(output).contains("AccessDenied"),
        "{what} should be refused: {}",
        report(output)
    );
}

fn make_traversable(dir: &Path, mode: u32) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
        .expect("set a folder's mode");
}

#[test]
fn the_bus_policy_lets_only_cowl_own_its_names_and_only_the_apps_call_it() {
    if !std::fs::metadata("/proc/self").is_ok_and(|meta| {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == 0
    }) {
        eprintln!("skipped: playing the image's users (setpriv) needs root, as CI has");
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    make_traversable(dir.path(), 0o755);
    let policies = dir.path().join("system.d");
    std::fs::create_dir(&policies).expect("make system.d");
    for name in ["org.cowl.conf", "org.cowl.Projection.conf"] {
        std::fs::write(policies.join(name), policy_with_ids(name)).expect("write a policy");
    }
    let socket = dir.path().join("system_bus_socket");
    let config = dir.path().join("system.conf");
    std::fs::write(&config, system_bus_config(&socket, &policies)).expect("write the config");
    let bus = common::bus::PrivateBus::start_with_config(&config);
    let address = bus.address.clone();

    // Cowl, as its user (primary group the apps' group, as cowl.service runs it).
    let runtime = dir.path().join("run-cowl");
    std::fs::create_dir(&runtime).expect("make Cowl's runtime folder");
    std::os::unix::fs::chown(&runtime, Some(COWL_UID), Some(APPS_GID)).expect("chown");
    make_traversable(&runtime, 0o750);
    let cowl_config = runtime.join("cowl.toml");
    std::fs::write(&cowl_config, format!("[dbus]\nbus = \"{address}\"\n"))
        .expect("write Cowl's config");
    let notify_path = dir.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("bind the notify socket");
    make_traversable(&notify_path, 0o777);
    let log = std::fs::File::create(dir.path().join("cowl.log")).expect("Cowl's log");
    let mut cowl = Command::new("setpriv")
        .arg(format!("--reuid={COWL_UID}"))
        .arg(format!("--regid={APPS_GID}"))
        .arg(format!("--groups={APPS_GID}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_cowl"))
        .args(["--backend", "headless", "--renderer", "pixman"])
        .args([
            "--output",
            "320x240",
            "--vehicle",
            "sim",
            "--socket",
            "wayland-0",
        ])
        .arg("--config")
        .arg(&cowl_config)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("NOTIFY_SOCKET", &notify_path)
        .env("RUST_LOG", "info")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log"))
        .stderr(log)
        .spawn()
        .expect("start cowl as its user");
    let ready = common::wait_for_ready_of(&notify, Some(&mut cowl));
    let cowl_log = || std::fs::read_to_string(dir.path().join("cowl.log")).unwrap_or_default();
    assert!(ready.is_ok(), "{ready:?}\n{}", cowl_log());
    assert!(
        cowl_log().contains("org.cowl.Shell") || cowl_log().contains("Shell1"),
        "Cowl did not serve Shell1:\n{}",
        cowl_log()
    );

    // Cowl's names, called by an app, by root (cowlctl on the head unit), by an outsider.
    for (name, path) in [
        ("org.cowl.Shell", "/org/cowl/Shell"),
        ("org.cowl.Vehicle", "/org/cowl/Vehicle"),
    ] {
        assert_allowed(&ping(APPS_UID, APPS_GID, &address, name, path), "an app");
        assert_allowed(&ping(0, 0, &address, name, path), "root");
        assert_denied(
            &ping(OUTSIDER_UID, OUTSIDER_UID, &address, name, path),
            &format!("an outsider calling {name}"),
        );
        assert_denied(
            &request_name(OUTSIDER_UID, OUTSIDER_UID, &address, name),
            &format!("an outsider owning {name}"),
        );
        assert_denied(
            &request_name(APPS_UID, APPS_GID, &address, name),
            &format!("an app owning {name}"),
        );
    }
    // The projection daemon's name: the apps' user may own it (cowl-phone-sim runs as it);
    // nobody else.
    assert_denied(
        &request_name(OUTSIDER_UID, OUTSIDER_UID, &address, "org.cowl.Projection"),
        "an outsider owning org.cowl.Projection",
    );
    let owned = request_name(APPS_UID, APPS_GID, &address, "org.cowl.Projection");
    assert_allowed(&owned, "the apps' user owning org.cowl.Projection");
    assert!(report(&owned).contains("uint32 1"), "{}", report(&owned));

    let _ = cowl.kill();
    let _ = cowl.wait();
}
