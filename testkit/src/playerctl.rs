//! playerctl, the MPRIS remote control (what the steering wheel's media keys and desktop
//! tools use), run against a private bus and the player `cowl` (the media app's
//! `org.mpris.MediaPlayer2.cowl`), as a user runs it.

use std::process::{Child, Stdio};

use crate::{LogLines, PrivateBus};

/// `playerctl --player cowl ARGS`, which must succeed; what it printed, trimmed.
/// `context` is added to a failure's message (the app's log, say).
pub fn playerctl(bus: &PrivateBus, args: &[&str], context: impl FnOnce() -> String) -> String {
    let output = bus
        .command("playerctl")
        .args(["--player", "cowl"])
        .args(args)
        .output()
        .expect("run playerctl (is the playerctl package installed?)");
    assert!(
        output.status.success(),
        "playerctl {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        context()
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `playerctl --player cowl --follow ARGS`: a line each time what it shows changes. The
/// process is killed when the returned [`Follow`] drops.
pub fn follow(bus: &PrivateBus, args: &[&str]) -> Follow {
    let mut process = bus
        .command("playerctl")
        .args(["--player", "cowl", "--follow"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run playerctl (is the playerctl package installed?)");
    let lines = LogLines::of_stdout(&mut process);
    Follow { process, lines }
}

/// A running `playerctl --follow` and its lines.
pub struct Follow {
    process: Child,
    pub lines: LogLines,
}

impl Follow {
    /// Waits for the line `expected` (`what` names it in the failure); lines before it are
    /// passed over.
    pub fn wait_for(&self, what: &str, expected: &str) {
        self.lines
            .wait_for(&format!("{what} ({expected:?})"), |line| line == expected);
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
