//! cowl-phone-sim, the reference projection daemon (apps/phone-sim), run against a test's
//! compositor and bus, and played through its subcommands as a developer would. What Cowl
//! told it is read from its `Received` log, waiting for the entry a test expects through the
//! log's change signal rather than for a moment.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use futures_util::StreamExt;

use super::bus::PrivateBus;
use super::{Compositor, DEADLINE};

const SIM_NAME: &str = "org.cowl.Projection";

#[zbus::proxy(
    interface = "org.cowl.PhoneSim1",
    default_service = "org.cowl.Projection",
    default_path = "/org/cowl/PhoneSim"
)]
trait PhoneSim1 {
    #[zbus(property)]
    fn received(&self) -> zbus::Result<Vec<(u64, String)>>;
}

pub struct PhoneSim {
    child: Option<Child>,
    address: String,
    log: PathBuf,
}

/// The simulator's binary, beside cowl's (`cargo test --workspace` builds both).
fn binary() -> PathBuf {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_cowl")).with_file_name("cowl-phone-sim");
    assert!(
        path.exists(),
        "{} is not built: `cargo test --workspace` builds it, or `cargo build -p cowl-phone-sim`",
        path.display()
    );
    path
}

/// Runs `action` and waits until the bus says `SIM_NAME` has an owner (`present`) or none.
fn until_owner(bus: &PrivateBus, present: bool, action: impl FnOnce()) {
    let connection = bus.connect();
    let (sender, seen) = mpsc::channel();
    let (subscribed, ready) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = zbus::block_on(async move {
            let dbus = zbus::fdo::DBusProxy::new(&connection).await?;
            let mut changes = dbus
                .receive_name_owner_changed_with_args(&[(0, SIM_NAME)])
                .await?;
            let _ = subscribed.send(());
            let name = zbus::names::BusName::try_from(SIM_NAME)?;
            if dbus.name_has_owner(name).await? == present {
                let _ = sender.send(());
                return zbus::Result::Ok(());
            }
            while let Some(change) = changes.next().await {
                let owned = change.args()?.new_owner().is_some();
                if owned == present {
                    let _ = sender.send(());
                    break;
                }
            }
            zbus::Result::Ok(())
        });
    });
    ready.recv_timeout(DEADLINE).expect("subscribed to the bus");
    action();
    seen.recv_timeout(DEADLINE).unwrap_or_else(|_| {
        panic!(
            "org.cowl.Projection never became {}",
            if present { "owned" } else { "free" }
        )
    });
}

impl PhoneSim {
    /// Starts the daemon on `compositor`'s socket and `bus`, and waits until it serves.
    pub fn start(compositor: &Compositor, bus: &PrivateBus, args: &[&str]) -> PhoneSim {
        PhoneSim::start_as(compositor, bus, args, None)
    }

    /// The same, as the user `uid` (with setpriv; this test's own user when `None`).
    pub fn start_as(
        compositor: &Compositor,
        bus: &PrivateBus,
        args: &[&str],
        uid: Option<u32>,
    ) -> PhoneSim {
        let log = compositor
            .runtime_dir()
            .join(format!("phone-sim-{}.log", rand_suffix()));
        let mut child = None;
        until_owner(bus, true, || {
            let output = std::fs::File::create(&log).expect("the simulator's log");
            let mut command = match uid {
                Some(uid) => {
                    let mut command = Command::new("setpriv");
                    command
                        .arg(format!("--reuid={uid}"))
                        .arg(format!("--regid={uid}"))
                        .args(["--clear-groups", "--"])
                        .arg(binary());
                    command
                }
                None => Command::new(binary()),
            };
            child = Some(
                command
                    .args(args)
                    .env("XDG_RUNTIME_DIR", compositor.runtime_dir())
                    .env("WAYLAND_DISPLAY", &compositor.socket)
                    .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
                    .env("RUST_LOG", "info")
                    .stdin(Stdio::null())
                    .stdout(output.try_clone().expect("clone the log"))
                    .stderr(output)
                    .spawn()
                    .expect("start cowl-phone-sim"),
            );
        });
        PhoneSim {
            child,
            address: bus.address.clone(),
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Runs `cowl-phone-sim ARGS` (connect, call, ...) against this daemon.
    pub fn play(&self, args: &[&str]) {
        let output = Command::new(binary())
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .expect("run cowl-phone-sim");
        assert!(
            output.status.success(),
            "cowl-phone-sim {args:?} failed: {}\n--- its log ---\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until what Cowl told the phone has an entry that `wanted` accepts; the whole
    /// log then, as (CLOCK_MONOTONIC ns, "Method args").
    pub fn wait_for_received(
        &self,
        what: &str,
        wanted: impl Fn(&str) -> bool + Send + 'static,
    ) -> Vec<(u64, String)> {
        let address = self.address.clone();
        let (sender, found) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = zbus::block_on(async move {
                let connection = zbus::connection::Builder::address(address.as_str())
                    .build()
                    .await?;
                let sim = PhoneSim1Proxy::new(&connection).await?;
                let mut changes = sim.receive_received_changed().await;
                let mut log = sim.received().await?;
                loop {
                    if log.iter().any(|(_, entry)| wanted(entry)) {
                        let _ = sender.send(log);
                        return zbus::Result::Ok(());
                    }
                    let Some(change) = changes.next().await else {
                        return Ok(());
                    };
                    log = change.get().await?;
                }
            });
        });
        found.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!(
                "the phone was never told {what}\n--- its log ---\n{}",
                self.log()
            )
        })
    }

    /// Kills the daemon and waits until its name is free.
    pub fn kill(&mut self, bus: &PrivateBus) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        until_owner(bus, false, || {
            let _ = child.kill();
        });
        let _ = child.wait();
    }
}

impl Drop for PhoneSim {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}
