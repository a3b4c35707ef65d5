//! What meta-cowl's image runs, checked with the real programs rather than read:
//!
//! - its systemd units pass `systemd-analyze verify` against this machine's systemd and
//!   seatd units, with Cowl's binaries where the recipes install them;
//! - its /etc/cowl (the image's cowl.toml beside the demo car's DBC and mapping, as the cowl
//!   recipe installs them) passes `cowl --check-config`;
//! - `systemd-analyze security` scores cowl.service at most 4.0 and each app's unit at most
//!   3.0 (lower is safer), and a unit stripped of its hardening is scored above;
//! - its D-Bus policies, loaded by a real dbus-daemon with Debian's system-bus defaults, let
//!   only Cowl's user own org.cowl.Shell and org.cowl.Vehicle, let the apps' group call the
//!   members an app needs (and root all of them) and nobody else, send Cowl's signals (the
//!   car's speed and position) to the apps and root only, let only the phone's user own
//!   org.cowl.Projection and only the media app's user own its MPRIS name. Cowl itself runs
//!   as its user on that bus. The image's users are played by accounts of this machine
//!   (setpriv), so this test needs root, as CI has.

use crate::common;

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

/// The apps' units: system services, each of a user of its own.
const APP_UNITS: [&str; 3] = [
    "cowl-nav.service",
    "cowl-media.service",
    "cowl-phone-sim.service",
];

/// A root for `systemd-analyze verify --root`: this machine's systemd units (and seatd's),
/// the layer's units among them, and an executable at each
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
    for unit in APP_UNITS.iter().chain(&["cowl-session.target"]) {
        std::fs::copy(layer_files().join(unit), system.join(unit)).expect("copy an app's unit");
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
    let verified = verify(
        root.path(),
        &[
            "cowl.service",
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

/// `systemd-analyze security --offline`'s overall exposure of `unit` under `root` (0 is the
/// safest, 10 the most exposed).
fn exposure(root: &Path, unit: &str) -> f64 {
    let output = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(format!("--root={}", root.display()))
        .arg(unit)
        .output()
        .expect("run systemd-analyze (is the systemd package installed?)");
    let said = report(&output);
    let prefix = format!("Overall exposure level for {unit}: ");
    said.lines()
        .find_map(|line| line.split_once(&prefix))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|score| score.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level for {unit}:\n{said}"))
}

#[test]
fn the_units_are_hardened_as_systemd_analyze_security_scores_them() {
    let root = unit_root();
    let cowl = exposure(root.path(), "cowl.service");
    assert!(cowl <= 4.0, "cowl.service is exposed {cowl} (at most 4.0)");
    for unit in APP_UNITS {
        let score = exposure(root.path(), unit);
        assert!(score <= 3.0, "{unit} is exposed {score} (at most 3.0)");
    }

    // The same unit without its hardening scores as it did before: the check can fail.
    let system = root.path().join("usr/lib/systemd/system");
    let media = std::fs::read_to_string(system.join("cowl-media.service")).expect("the unit");
    let service_section = media.find("[Service]").expect("a [Service] section");
    let install_section = media.find("[Install]").expect("an [Install] section");
    let bare: String = media[..service_section]
        .lines()
        .chain(
            media[service_section..install_section]
                .lines()
                .filter(|line| {
                    [
                        "[Service]",
                        "User=",
                        "Group=",
                        "Environment=",
                        "ExecStart=",
                        "Restart",
                    ]
                    .iter()
                    .any(|kept| line.starts_with(kept))
                }),
        )
        .chain(media[install_section..].lines())
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(system.join("cowl-media.service"), bare).expect("strip the unit");
    let stripped = exposure(root.path(), "cowl-media.service");
    assert!(stripped > 3.0, "a bare unit scored {stripped}");
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
/// `games`, the navigation app's `man`, the media app's `lp`, the phone's `mail`, the apps'
/// group `users`, and `nobody` is the outsider.
const COWL_UID: u32 = 5;
const NAV_UID: u32 = 6;
const MEDIA_UID: u32 = 7;
const PHONE_UID: u32 = 8;
const APPS_GID: u32 = 100;
const OUTSIDER_UID: u32 = 65534;

/// The layer's D-Bus policies.
const POLICIES: [&str; 3] = [
    "org.cowl.conf",
    "org.cowl.Projection.conf",
    "org.cowl.Media.conf",
];

/// A policy of the layer with the image's users and groups written as these ids.
fn policy_with_ids(name: &str) -> String {
    let policy = std::fs::read_to_string(layer_files().join(name)).expect("read a policy");
    let mut mapped = policy.clone();
    for (principal, id) in [
        ("user=\"cowl\"", format!("user=\"{COWL_UID}\"")),
        ("user=\"cowl-nav\"", format!("user=\"{NAV_UID}\"")),
        ("user=\"cowl-media\"", format!("user=\"{MEDIA_UID}\"")),
        ("user=\"cowl-phone\"", format!("user=\"{PHONE_UID}\"")),
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

/// A plain listener to every signal on a bus, as an app would subscribe (no eavesdropping,
/// no call to anyone but the bus): this test binary's `listener_of_every_signal`, run as the
/// user `uid`. Its lines (`PATH INTERFACE.MEMBER`) come as it hears them.
struct Monitor {
    process: std::process::Child,
    lines: cowl_testkit::LogLines,
}

/// The environment variable that makes `listener_of_every_signal` listen on a bus.
const LISTEN_ON: &str = "COWL_TEST_LISTEN_ON";

impl Monitor {
    /// Starts listening; returns once the bus has taken the subscription.
    fn start(uid: u32, gid: u32, address: &str) -> Monitor {
        let mut process = Command::new("setpriv")
            .arg(format!("--reuid={uid}"))
            .arg(format!("--regid={gid}"))
            .arg(format!("--groups={gid}"))
            .arg("--")
            .arg(std::env::current_exe().expect("this test binary"))
            .args([
                "--ignored",
                "--exact",
                "yocto_system::listener_of_every_signal",
                "--nocapture",
            ])
            .env(LISTEN_ON, address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run setpriv and this test binary");
        let lines = cowl_testkit::LogLines::of_stdout(&mut process);
        let monitor = Monitor { process, lines };
        monitor.wait_for("the listener to be subscribed", |line| line == "listening");
        monitor
    }

    /// Waits for a line that `matches`; returns the lines before it.
    fn wait_for(&self, what: &str, matches: impl Fn(&str) -> bool) -> Vec<String> {
        self.lines.wait_for(what, matches)
    }
}

/// The listener `Monitor` runs (as another user, with setpriv): subscribes to every signal
/// on the bus `COWL_TEST_LISTEN_ON` names, says `listening`, then prints each signal heard.
#[test]
#[ignore = "run by the bus policy test as another user"]
fn listener_of_every_signal() {
    use futures_util::StreamExt;
    use std::io::Write;
    let Ok(address) = std::env::var(LISTEN_ON) else {
        return;
    };
    zbus::block_on(async {
        let connection = zbus::connection::Builder::address(address.as_str())
            .build()
            .await
            .expect("connect to the bus");
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .build()
            .expect("a match rule");
        let mut signals = zbus::MessageStream::for_match_rule(rule, &connection, None)
            .await
            .expect("subscribe to every signal");
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening");
        let _ = out.flush();
        while let Some(Ok(message)) = signals.next().await {
            let header = message.header();
            let _ = writeln!(
                out,
                "{} {}.{}",
                header.path().map(|path| path.as_str()).unwrap_or("-"),
                header.interface().map(|name| name.as_str()).unwrap_or("-"),
                header.member().map(|name| name.as_str()).unwrap_or("-")
            );
            let _ = out.flush();
        }
    });
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn make_traversable(dir: &Path, mode: u32) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
        .expect("set a folder's mode");
}

#[test]
fn the_bus_policies_name_who_owns_calls_and_hears_what() {
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
    for name in POLICIES {
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
        assert_allowed(&ping(NAV_UID, APPS_GID, &address, name, path), "an app");
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
            &request_name(NAV_UID, APPS_GID, &address, name),
            &format!("an app owning {name}"),
        );
    }

    // The members an app may call are named: reading the car, yes; setting it, reading the
    // screen or injecting touches, no (the bus refuses before Cowl sees the call).
    let call = |uid: u32, gid: u32, member: &str, args: &[&str]| {
        let (path, destination) = if member.starts_with("org.cowl.Vehicle1") {
            ("/org/cowl/Vehicle", "org.cowl.Vehicle")
        } else {
            ("/org/cowl/Shell", "org.cowl.Shell")
        };
        let mut all = vec![
            format!("--dest={destination}"),
            path.to_string(),
            member.to_string(),
        ];
        all.extend(args.iter().map(|arg| arg.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        dbus_send_as(uid, gid, &address, &all)
    };
    let speed = ["string:Vehicle.Speed"];
    assert_allowed(
        &call(NAV_UID, APPS_GID, "org.cowl.Vehicle1.Get", &speed),
        "an app reading the car",
    );
    for (member, args) in [
        (
            "org.cowl.Vehicle1.Set",
            &["string:Vehicle.Speed", "string:200"][..],
        ),
        ("org.cowl.Shell1.Screenshot", &[][..]),
        ("org.cowl.Debug1.Touch", &[][..]),
    ] {
        assert_denied(
            &call(NAV_UID, APPS_GID, member, args),
            &format!("an app calling {member}"),
        );
    }

    // Cowl's signals carry the speed and the position: an app hears them, an outsider does
    // not. Both listen from before a change that root makes; then root sends a marker that
    // everyone hears, after which nothing of the change can still be on its way.
    let outsider = Monitor::start(OUTSIDER_UID, OUTSIDER_UID, &address);
    let app = Monitor::start(NAV_UID, APPS_GID, &address);
    assert_allowed(
        &call(
            0,
            0,
            "org.cowl.Vehicle1.Set",
            &["string:Vehicle.Speed", "string:88"],
        ),
        "root setting the simulated car's speed",
    );
    app.wait_for("the app to hear the speed change", |line| {
        line == "/org/cowl/Vehicle org.freedesktop.DBus.Properties.PropertiesChanged"
    });
    let marker = Command::new("dbus-send")
        .arg(format!("--bus={address}"))
        .args(["--type=signal", "/org/cowl/Test", "org.cowl.Test.Marker"])
        .output()
        .expect("run dbus-send");
    assert_allowed(&marker, "root sending the marker");
    let heard = outsider.wait_for("the outsider to hear the marker", |line| {
        line == "/org/cowl/Test org.cowl.Test.Marker"
    });
    assert!(
        !heard.iter().any(|line| line.contains("/org/cowl/")),
        "an outsider heard Cowl: {heard:#?}"
    );

    // The projection daemon's name: the phone's user may own it (cowl-phone-sim runs as it);
    // an app or an outsider may not.
    for (uid, gid, who) in [
        (OUTSIDER_UID, OUTSIDER_UID, "an outsider"),
        (NAV_UID, APPS_GID, "another app"),
    ] {
        assert_denied(
            &request_name(uid, gid, &address, "org.cowl.Projection"),
            &format!("{who} owning org.cowl.Projection"),
        );
        assert_denied(
            &request_name(uid, gid, &address, "org.mpris.MediaPlayer2.cowl"),
            &format!("{who} owning the media app's MPRIS name"),
        );
    }
    for (uid, name) in [
        (PHONE_UID, "org.cowl.Projection"),
        (MEDIA_UID, "org.mpris.MediaPlayer2.cowl"),
    ] {
        let owned = request_name(uid, APPS_GID, &address, name);
        assert_allowed(&owned, &format!("its user owning {name}"));
        assert!(report(&owned).contains("uint32 1"), "{}", report(&owned));
    }

    let _ = cowl.kill();
    let _ = cowl.wait();
}
