//! A private D-Bus daemon per test, so that tests never meet each other (or the developer's
//! session) on a bus, and `cowlctl`, run as a user would, against it.

use std::process::{Output, Stdio};

/// The testkit's private bus, with what Cowl's tests do on it (cowlctl, the simulated
/// car, Shell1's audio focus).
pub struct PrivateBus(cowl_testkit::PrivateBus);

impl std::ops::Deref for PrivateBus {
    type Target = cowl_testkit::PrivateBus;
    fn deref(&self) -> &cowl_testkit::PrivateBus {
        &self.0
    }
}

impl std::ops::DerefMut for PrivateBus {
    fn deref_mut(&mut self) -> &mut cowl_testkit::PrivateBus {
        &mut self.0
    }
}

impl PrivateBus {
    /// A session bus of the test's own.
    pub fn start() -> PrivateBus {
        PrivateBus(cowl_testkit::PrivateBus::start())
    }

    /// A bus with this dbus-daemon configuration.
    pub fn start_with_config(config: &std::path::Path) -> PrivateBus {
        PrivateBus(cowl_testkit::PrivateBus::start_with_config(config))
    }

    /// A bus every local user may use and own names on.
    pub fn start_for_every_user(dir: &std::path::Path) -> PrivateBus {
        PrivateBus(cowl_testkit::PrivateBus::start_for_every_user(dir))
    }

    /// Runs `cowlctl ARGS` against this bus and returns what it printed and its status.
    pub fn cowlctl(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_cowlctl"))
            .args(args)
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
