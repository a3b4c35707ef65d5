//! A private D-Bus daemon per test, so that tests never meet each other (or the developer's
//! session) on a bus, and `cowlctl`, run as a user would, against it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use tempfile::TempDir;

pub struct PrivateBus {
    daemon: Child,
    _dir: TempDir,
    /// The address to put in DBUS_SESSION_BUS_ADDRESS.
    pub address: String,
}

impl PrivateBus {
    /// Starts `dbus-daemon --session` on a socket in a temporary directory; returns once it
    /// has printed its address, which it does when it accepts connections.
    pub fn start() -> PrivateBus {
        let dir = tempfile::tempdir().expect("bus dir");
        let address = format!("--address=unix:path={}/bus", dir.path().display());
        PrivateBus::run(dir, &["--session", &address], "--session")
    }

    /// Starts `dbus-daemon` with this configuration file (which says where it listens);
    /// returns once it accepts connections. A configuration it refuses fails the test with
    /// dbus-daemon's own message.
    pub fn start_with_config(config: &std::path::Path) -> PrivateBus {
        let dir = tempfile::tempdir().expect("bus dir");
        let config_arg = format!("--config-file={}", config.display());
        PrivateBus::run(dir, &[&config_arg], &config.display().to_string())
    }

    /// Starts a bus that every local user may connect to and own names on (as a system bus
    /// with a careless policy would be): its socket in `dir`, which everyone may enter.
    pub fn start_for_every_user(dir: &std::path::Path) -> PrivateBus {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the bus's folder");
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>unix:path={}/bus</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/>\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>",
                dir.display()
            ),
        )
        .expect("write the bus configuration");
        PrivateBus::start_with_config(&config)
    }

    /// Runs dbus-daemon with `args` until it prints its address; `what` names it in the
    /// failure, with dbus-daemon's own message (its stderr goes to a file in `dir`).
    fn run(dir: TempDir, args: &[&str], what: &str) -> PrivateBus {
        let log_path = dir.path().join("dbus-daemon.log");
        let log = std::fs::File::create(&log_path).expect("dbus-daemon's log");
        let mut daemon = Command::new("dbus-daemon")
            .args(args)
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start dbus-daemon (is the dbus-daemon package installed?)");
        let stdout = daemon.stdout.take().expect("dbus-daemon stdout");
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("read the bus address");
        let address = address.trim().to_string();
        if address.is_empty() {
            let _ = daemon.wait();
            let refusal = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("dbus-daemon {what} gave no address: {refusal}");
        }
        PrivateBus {
            daemon,
            _dir: dir,
            address,
        }
    }

    /// The environment that points a process at this bus.
    pub fn env(&self) -> [(&str, &str); 1] {
        [("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())]
    }

    /// Runs `cowlctl ARGS` against this bus and returns what it printed and its status.
    pub fn cowlctl(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cowlctl"))
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env_remove(cowl_sdk::bus::COWL_BUS_ENV)
            .stdin(Stdio::null())
            .output()
            .expect("run cowlctl")
    }

    /// `cowlctl ARGS` that must succeed; its standard output.
    pub fn cowlctl_ok(&self, args: &[&str]) -> String {
        let output = self.cowlctl(args);
        assert!(
            output.status.success(),
            "cowlctl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The simulated car (`cowl --vehicle sim`) in D at 50 km/h: moving.
    pub fn sim_drive(&self) {
        use cowl_sdk::vehicle::names::{CURRENT_GEAR, SPEED};
        self.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "D"]);
        self.cowlctl_ok(&["vehicle", "set", SPEED, "50"]);
    }

    /// The simulated car stopped and in P: parked.
    pub fn sim_park(&self) {
        use cowl_sdk::vehicle::names::{CURRENT_GEAR, SPEED};
        self.cowlctl_ok(&["vehicle", "set", SPEED, "0"]);
        self.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    }

    /// A zbus connection of the test's own, for signals and introspection.
    pub fn connect(&self) -> zbus::Connection {
        let address = self.address.clone();
        zbus::block_on(async move {
            zbus::connection::Builder::address(address.as_str())
                .build()
                .await
        })
        .expect("connect to the private bus")
    }
}

impl PrivateBus {
    /// Shell1's AudioFocus as a media player hears it: each value Cowl signals, from the
    /// moment this returns.
    pub fn audio_focus_changes(&self) -> AudioFocusChanges {
        use futures_util::StreamExt;
        let listener = self.connect();
        let (sender, heard) = std::sync::mpsc::channel();
        let (subscribed, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            zbus::block_on(async move {
                let shell = cowl_sdk::shell::Shell1Proxy::new(&listener).await?;
                let mut changes = shell.receive_audio_focus_changed().await;
                let _ = subscribed.send(());
                while let Some(change) = changes.next().await {
                    if sender.send(change.get().await?).is_err() {
                        break;
                    }
                }
                zbus::Result::Ok(())
            })
        });
        ready
            .recv_timeout(super::DEADLINE)
            .expect("subscribed to AudioFocus");
        AudioFocusChanges(heard)
    }

    /// Kills the daemon, as when the system's D-Bus goes away under the compositor.
    pub fn kill(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// Shell1's AudioFocus values as they come ([`PrivateBus::audio_focus_changes`]).
pub struct AudioFocusChanges(std::sync::mpsc::Receiver<String>);

impl AudioFocusChanges {
    /// Waits for AudioFocus to become `focus`; other values before it are passed over.
    /// The error says what was heard instead.
    pub fn becomes(&self, focus: &str) -> Result<(), String> {
        let deadline = std::time::Instant::now() + super::DEADLINE;
        let mut heard = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.0.recv_timeout(left) {
                Ok(got) if got == focus => return Ok(()),
                Ok(got) => heard.push(got),
                Err(_) => return Err(format!("AudioFocus never became {focus:?}: {heard:?}")),
            }
        }
    }
}

/// An interface's XML without comments and layout, for comparing meaning.
pub fn normalized_interface(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!("<interface name=\"{name}\">"))
        .unwrap_or_else(|| panic!("{name} is not described in {xml}"));
    let end = start + xml[start..].find("</interface>").expect("interface end");
    let mut text = xml[start..end].to_string();
    while let Some(comment) = text.find("<!--") {
        let close = comment + text[comment..].find("-->").expect("comment end") + 3;
        text.replace_range(comment..close, "");
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The committed contract of a D-Bus interface (`assets/dbus/NAME.xml`).
pub fn committed_interface(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../assets/dbus/{name}.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("read the committed XML")
}
