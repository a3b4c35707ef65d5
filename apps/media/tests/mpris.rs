//! cowl-media as a process (`--no-window`) on a private dbus-daemon, driven the way other
//! programs drive it: playerctl for MPRIS2 (its `--follow` mode is the event stream the
//! tests wait on), and org.cowl.Projection1 served by the SDK's real server, its audio focus
//! set with dbus-send as Cowl would set it.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{DEADLINE, PrivateBus, copy_media};
use cowl_sdk::projection::{self, AudioFocus, NavigationFocus, ProjectionBackend, SteeringKey};

/// A process's output lines as they come (a reader thread per pipe).
fn lines_of(pipe: impl std::io::Read + Send + 'static) -> (Receiver<String>, Arc<Mutex<String>>) {
    let (sender, lines) = std::sync::mpsc::channel();
    let all = Arc::new(Mutex::new(String::new()));
    let kept = all.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            kept.lock().unwrap().push_str(&format!("{line}\n"));
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    (lines, all)
}

/// Waits for the next line that satisfies `done`; lines before it are passed over.
fn next_line(
    lines: &Receiver<String>,
    what: &str,
    done: impl Fn(&str) -> bool,
    log: &str,
) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if done(&line) => return line,
            Ok(_) => {}
            Err(_) => panic!("timed out waiting for {what}\n--- app log ---\n{log}"),
        }
    }
}

/// `playerctl --follow`: a line each time what it shows changes.
struct Follow {
    process: Child,
    lines: Receiver<String>,
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

struct MediaApp {
    process: Child,
    lines: Receiver<String>,
    log: Arc<Mutex<String>>,
    bus: PrivateBus,
    _dir: tempfile::TempDir,
    /// Status, title, loop and shuffle, as playerctl sees them.
    state: Follow,
}

/// What the state follower prints.
const STATE_FORMAT: &str = "{{status}}|{{title}}|{{loop}}|{{shuffle}}";

impl MediaApp {
    /// Starts the app on the generated album (no video), with a follower already watching.
    fn start() -> MediaApp {
        let dir = tempfile::tempdir().unwrap();
        copy_media(dir.path());
        std::fs::remove_dir_all(dir.path().join("video")).unwrap();
        let bus = PrivateBus::start();
        // The follower first: it waits for the player to appear.
        let state = follow(&bus, &["metadata", "--format", STATE_FORMAT]);
        let mut process = Command::new(env!("CARGO_BIN_EXE_cowl-media"))
            .args(["--no-window", "--folder"])
            .arg(dir.path())
            .arg("--store")
            .arg(dir.path().join("library.redb"))
            .args(["--audio-sink", "fakesink sync=true"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cowl-media");
        let (lines, log) = lines_of(process.stderr.take().expect("the app's stderr"));
        let app = MediaApp {
            process,
            lines,
            log,
            bus,
            _dir: dir,
            state,
        };
        app.state_is("the player on the bus", |_| true);
        app
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn playerctl(&self, args: &[&str]) -> String {
        let output = Command::new("playerctl")
            .args(["--player", "cowl"])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .output()
            .expect("run playerctl (is the playerctl package installed?)");
        assert!(
            output.status.success(),
            "playerctl {args:?}: {}\n--- app log ---\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Waits until the state follower prints a line that satisfies `done`
    /// (`status|title|loop|shuffle`).
    fn state_is(&self, what: &str, done: impl Fn(&[&str]) -> bool) -> String {
        next_line(
            &self.state.lines,
            what,
            |line| done(&line.split('|').collect::<Vec<_>>()),
            &self.log(),
        )
    }

    fn status_is(&self, status: &str) {
        self.state_is(&format!("status {status}"), |fields| fields[0] == status);
    }

    fn title_is(&self, title: &str) {
        self.state_is(&format!("title {title}"), |fields| {
            fields.get(1) == Some(&title)
        });
    }

    /// Waits for the app's next log line that says `text` (what it did that D-Bus does not
    /// show: ducking). Lines before it are passed over.
    fn log_shows(&self, text: &str) {
        next_line(
            &self.lines,
            &format!("the log to say {text:?}"),
            |line| line.contains(text),
            &self.log(),
        );
    }
}

fn follow(bus: &PrivateBus, args: &[&str]) -> Follow {
    let mut process = Command::new("playerctl")
        .args(["--player", "cowl", "--follow"])
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run playerctl (is the playerctl package installed?)");
    let (lines, _) = lines_of(process.stdout.take().expect("playerctl's stdout"));
    Follow { process, lines }
}

impl Drop for MediaApp {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn playerctl_controls_playback_and_reads_the_tags() {
    let app = MediaApp::start();
    assert_eq!(app.playerctl(&["status"]), "Stopped");

    // Play, even if it comes before the library scan has finished.
    app.playerctl(&["play"]);
    app.state_is("Low Hum playing", |fields| {
        fields[0] == "Playing" && fields.get(1) == Some(&"Low Hum")
    });
    assert_eq!(
        app.playerctl(&[
            "metadata",
            "--format",
            "{{artist}} / {{album}} / {{xesam:trackNumber}}"
        ]),
        "Cowl Test Band / Test Tones / 1"
    );
    let length: i64 = app
        .playerctl(&["metadata", "mpris:length"])
        .parse()
        .unwrap();
    assert!((2_800_000..3_200_000).contains(&length), "{length} µs");
    assert!(
        app.playerctl(&["metadata", "mpris:artUrl"])
            .ends_with("/test-tones/cover.png")
    );

    app.playerctl(&["pause"]);
    app.status_is("Paused");
    app.playerctl(&["next"]);
    app.title_is("Middle A");
    app.playerctl(&["play-pause"]);
    app.status_is("Playing");

    app.playerctl(&["loop", "Playlist"]);
    app.state_is("loop Playlist", |fields| fields.get(2) == Some(&"Playlist"));
    app.playerctl(&["shuffle", "On"]);
    app.state_is("shuffle on", |fields| fields.get(3) == Some(&"true"));

    app.playerctl(&["stop"]);
    app.status_is("Stopped");
}

#[test]
fn seeking_moves_the_position_and_signals_seeked() {
    let app = MediaApp::start();
    let seeks = follow(&app.bus, &["position"]);
    app.playerctl(&["play"]);
    app.status_is("Playing");
    app.playerctl(&["pause"]);
    app.status_is("Paused");
    app.playerctl(&["position", "2"]);
    // playerctl prints the position again on each Seeked signal.
    next_line(
        &seeks.lines,
        "Seeked to 2 s",
        |line| line.starts_with("2.0"),
        &app.log(),
    );
    // The player has taken the seek: the position reads from there on.
    let now: f64 = app.playerctl(&["position"]).parse().unwrap();
    assert!(
        (2.0..2.5).contains(&now),
        "position {now} s after seeking to 2 s"
    );
}

/// A projection daemon that only keeps its properties: Cowl would call SetAudioFocus on it;
/// here the test does, as Cowl would.
struct IdleDaemon;

impl ProjectionBackend for IdleDaemon {
    fn set_video_focus(&mut self, _focused: bool, _reason: &str) -> Result<(), String> {
        Ok(())
    }
    fn set_audio_focus(&mut self, _focus: AudioFocus) {}
    fn set_navigation_focus(&mut self, _focus: NavigationFocus) {}
    fn set_night_mode(&mut self, _night: bool) {}
    fn set_driving_status(&mut self, _ux_restrictions: u32, _android_auto_status: u32) {}
    fn key(&mut self, _key: SteeringKey, _pressed: bool) {}
}

#[test]
fn the_phone_s_audio_focus_ducks_pauses_and_resumes() {
    let app = MediaApp::start();
    let daemon_connection = app.bus.connect();
    zbus::block_on(projection::serve(&daemon_connection, IdleDaemon)).expect("serve Projection1");
    let focus = |focus: AudioFocus| {
        let output = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.cowl.Projection",
                "/org/cowl/Projection",
                "org.cowl.Projection1.SetAudioFocus",
            ])
            .arg(format!("string:{}", focus.as_str()))
            .env("DBUS_SESSION_BUS_ADDRESS", &app.bus.address)
            .output()
            .expect("run dbus-send");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    app.playerctl(&["play"]);
    app.status_is("Playing");
    // Spoken directions: the music plays on, ducked.
    focus(AudioFocus::Guidance);
    app.log_shows("ducked for directions");
    assert_eq!(app.playerctl(&["status"]), "Playing");
    focus(AudioFocus::None);
    app.log_shows("full volume");
    // A call pauses, and its end resumes.
    focus(AudioFocus::Call);
    app.status_is("Paused");
    focus(AudioFocus::None);
    app.status_is("Playing");
    // The phone's own media takes over for good: its end does not resume.
    focus(AudioFocus::Media);
    app.status_is("Paused");
    focus(AudioFocus::None);
    app.log_shows("full volume");
    assert_eq!(app.playerctl(&["status"]), "Paused");
}
