//! A private D-Bus daemon per test, so that tests never meet each other (or the developer's
//! session) on a bus.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

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

    /// `program`, to be run on this bus (its standard input closed).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.envs(self.env()).stdin(Stdio::null());
        command
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

    /// Kills the daemon, as when the system's D-Bus goes away under a program.
    pub fn kill(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        self.kill();
    }
}
