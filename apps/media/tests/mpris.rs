//! cowl-media as a process (`--no-window`) on a private dbus-daemon, driven the way other
//! programs drive it: playerctl for MPRIS2 (its `--follow` mode is the event stream the
//! tests wait on), and org.cowl.Projection1 served by the SDK's real server, its audio focus
//! set with dbus-send as Cowl would set it.

mod common;

use std::io::BufRead;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::copy_media;
use cowl_sdk::projection::{self, AudioFocus, NavigationFocus, ProjectionBackend, SteeringKey};
use cowl_testkit::{LogLines, PrivateBus};

struct MediaApp {
    process: Child,
    /// The app's log (its standard error).
    lines: LogLines,
    bus: PrivateBus,
    _dir: tempfile::TempDir,
    /// Status, title, loop and shuffle, as playerctl sees them.
    state: cowl_testkit::playerctl::Follow,
}

/// What the state follower prints.
const STATE_FORMAT: &str = "{{status}}|{{title}}|{{loop}}|{{shuffle}}";

impl MediaApp {
    /// Starts the app on the generated album (no video), with a follower already watching.
    fn start() -> MediaApp {
        let dir = tempfile::tempdir().unwrap();
        copy_media(dir.path());
        std::fs::remove_dir_all(dir.path().join("video")).unwrap();
        let mut app = Command::new(env!("CARGO_BIN_EXE_cowl-media"));
        app.arg("--folder").arg(dir.path());
        let app = MediaApp::launch(app, dir);
        app.state_is("the player on the bus", |_| true);
        app
    }

    /// Runs `app` (cowl-media or a wrapper around it) without a window, its store in `dir`,
    /// on a bus of its own, with a follower already watching (it prints once there is a
    /// track to show).
    fn launch(mut app: Command, dir: tempfile::TempDir) -> MediaApp {
        let bus = PrivateBus::start();
        // The follower first: it waits for the player to appear.
        let state = cowl_testkit::playerctl::follow(&bus, &["metadata", "--format", STATE_FORMAT]);
        let mut process = app
            .arg("--no-window")
            .arg("--store")
            .arg(dir.path().join("library.redb"))
            .args(["--audio-sink", "fakesink sync=true"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cowl-media");
        let lines = LogLines::of(&mut process);
        MediaApp {
            process,
            lines,
            bus,
            _dir: dir,
            state,
        }
    }

    /// The app's log so far, for a failure's message.
    fn log(&self) -> String {
        format!("--- app log ---\n{}", self.lines.whole())
    }

    fn playerctl(&self, args: &[&str]) -> String {
        cowl_testkit::playerctl::playerctl(&self.bus, args, || self.log())
    }

    /// Waits until the state follower prints a line that satisfies `done`
    /// (`status|title|loop|shuffle`).
    fn state_is(&self, what: &str, done: impl Fn(&[&str]) -> bool) -> String {
        self.state.lines.next_matching(
            what,
            |line| done(&line.split('|').collect::<Vec<_>>()),
            || self.log(),
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
        self.lines.next_matching(
            &format!("the log to say {text:?}"),
            |line| line.contains(text),
            || self.log(),
        );
    }
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
fn playerctl_open_plays_a_file_of_the_library_or_from_elsewhere_and_refuses_the_rest() {
    let app = MediaApp::start();
    let uri = |path: &std::path::Path| format!("file://{}", path.display());
    let url_is = |what: &str, path: &std::path::Path| {
        let wanted = uri(path);
        let follow = cowl_testkit::playerctl::follow(
            &app.bus,
            &["metadata", "--format", "{{status}} {{xesam:url}}"],
        );
        follow.lines.next_matching(
            what,
            |line| line == format!("Playing {wanted}"),
            || app.log(),
        );
    };

    // A track of the library, by its URI: it plays at once.
    let beep = app._dir.path().join("test-tones/03-high-beep.ogg");
    app.playerctl(&["open", &uri(&beep)]);
    url_is("the library's High Beep playing", &beep);

    // An Ogg file outside the library's folders: taken in and played.
    let elsewhere = tempfile::tempdir().unwrap();
    let hum = elsewhere.path().join("hum.ogg");
    std::fs::copy(app._dir.path().join("test-tones/01-low-hum.ogg"), &hum).unwrap();
    app.playerctl(&["open", &uri(&hum)]);
    url_is("the opened file playing", &hum);

    // What SupportedUriSchemes and SupportedMimeTypes do not offer is refused, and what
    // plays goes on.
    for refused in [
        "http://example.com/song.ogg".to_string(),
        uri(&elsewhere.path().join("notes.txt")),
        uri(&elsewhere.path().join("missing.ogg")),
    ] {
        let output = app
            .bus
            .command("playerctl")
            .args(["--player", "cowl", "open", &refused])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{refused} was opened");
    }
    assert_eq!(
        app.playerctl(&["metadata", "--format", "{{status}} {{xesam:url}}"]),
        format!("Playing {}", uri(&hum))
    );
}

#[test]
fn seeking_moves_the_position_and_signals_seeked() {
    let app = MediaApp::start();
    let seeks = cowl_testkit::playerctl::follow(&app.bus, &["position"]);
    app.playerctl(&["play"]);
    app.status_is("Playing");
    app.playerctl(&["pause"]);
    app.status_is("Paused");
    app.playerctl(&["position", "2"]);
    // playerctl prints the position again on each Seeked signal.
    seeks.lines.next_matching(
        "Seeked to 2 s",
        |line| line.starts_with("2.0"),
        || app.log(),
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

/// A mount namespace of the test's own, so that it can mount for real without touching the
/// machine's mount table. A process (`cat`, until it is killed) holds the namespace;
/// whatever runs in it is started with nsenter. Root needs nothing more (and could not make a
/// user namespace inside a chroot); anyone else gets a user namespace in which they are root,
/// and runs the app as themselves again inside it, so that the bus daemon (which checks the
/// uid a client claims) lets it in.
struct MountNamespace {
    holder: Child,
    as_root: bool,
    /// Mounted and not yet unmounted.
    mounted: std::cell::RefCell<Vec<PathBuf>>,
}

impl MountNamespace {
    fn new() -> MountNamespace {
        // /proc/self belongs to the process's effective user.
        let as_root = std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0);
        // Mounts made inside should stay inside: private propagation. A chroot cannot
        // change its root's propagation (its root is no mount point), so there the mounts
        // keep the host's; the test unmounts all it mounted, failing or not (Drop).
        let holder = MountNamespace::hold(as_root, "private")
            .or_else(|| MountNamespace::hold(as_root, "unchanged"))
            .expect("unshare made no mount namespace");
        MountNamespace {
            holder,
            as_root,
            mounted: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// The holder, once the namespace is made (its shell says so), or `None`.
    fn hold(as_root: bool, propagation: &str) -> Option<Child> {
        let mut holder = Command::new("unshare");
        if !as_root {
            holder.arg("--map-root-user");
        }
        let mut holder = holder
            .args(["--mount", "--propagation", propagation, "--"])
            .args(["sh", "-c", "echo made && exec cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run unshare (is util-linux installed?)");
        let mut made = String::new();
        if let Some(stdout) = holder.stdout.take() {
            let _ = std::io::BufReader::new(stdout).read_line(&mut made);
        }
        if made.trim() == "made" {
            Some(holder)
        } else {
            let _ = holder.wait();
            None
        }
    }

    /// Bind-mounts `source` on `target` inside the namespace.
    fn bind(&self, source: &std::path::Path, target: &std::path::Path) {
        self.run_as_root(
            "mount",
            &["--bind".as_ref(), source.as_os_str(), target.as_os_str()],
        );
        self.mounted.borrow_mut().push(target.to_path_buf());
    }

    /// Unmounts `target` as a pulled stick is: lazily, while files on it may be open.
    fn pull(&self, target: &std::path::Path) {
        self.run_as_root("umount", &["--lazy".as_ref(), target.as_os_str()]);
        self.mounted
            .borrow_mut()
            .retain(|mounted| mounted != target);
    }

    /// A command that runs `program` inside the namespace, as the caller's own user.
    fn command(&self, program: &std::path::Path) -> Command {
        let mut command = self.enter();
        if !self.as_root {
            let uid = std::fs::metadata("/proc/self").map_or(0, |meta| meta.uid());
            let gid = std::fs::metadata("/proc/self").map_or(0, |meta| meta.gid());
            command
                .arg("unshare")
                .arg(format!("--map-user={uid}"))
                .arg(format!("--map-group={gid}"))
                .arg("--");
        }
        command.arg(program);
        command
    }

    /// Runs `program` with `args` inside the namespace as its root (mount, umount).
    fn run_as_root(&self, program: &str, args: &[&std::ffi::OsStr]) {
        let output = self
            .enter()
            .arg(program)
            .args(args)
            .output()
            .expect("run nsenter (is util-linux installed?)");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn enter(&self) -> Command {
        let mut command = Command::new("nsenter");
        // Entering a mount namespace moves to its root: --root keeps the holder's (a
        // chroot's, where the tests run in one).
        command
            .arg("--target")
            .arg(self.holder.id().to_string())
            .args(["--mount", "--root"]);
        if !self.as_root {
            // The user namespace that owns the mounts, as its root: the caller's uid, mapped.
            command.args(["--user", "--preserve-credentials"]);
        }
        command.arg("--");
        command
    }
}

impl Drop for MountNamespace {
    fn drop(&mut self) {
        for target in self.mounted.take() {
            let _ = self
                .enter()
                .args(["umount", "--lazy"])
                .arg(target)
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// A USB stick as an automounter presents it: mounted below the removable-media folder while
/// the app runs, and unmounted (lazily, as when it is pulled) while one of its tracks plays.
#[test]
fn removable_media_comes_and_goes_with_its_mount() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    copy_media(&stick);
    std::fs::remove_dir_all(stick.join("video")).unwrap();
    let removable_root = dir.path().join("media");
    let mount_point = removable_root.join("USB STICK");
    std::fs::create_dir_all(&mount_point).unwrap();
    let local_folder = dir.path().join("music");
    std::fs::create_dir_all(&local_folder).unwrap();

    let namespace = MountNamespace::new();
    let mut app = namespace.command(std::path::Path::new(env!("CARGO_BIN_EXE_cowl-media")));
    app.arg("--folder")
        .arg(&local_folder)
        .arg("--removable-root")
        .arg(&removable_root);
    let app = MediaApp::launch(app, dir);
    let scanned = |files: usize| {
        app.lines.next_matching(
            &format!("a scan that finds {files} files"),
            |line| line.contains("library scanned") && line.contains(&format!("files={files} ")),
            || app.log(),
        );
    };
    scanned(0);

    namespace.bind(&stick, &mount_point);
    scanned(3);
    // The scan runs on the engine's thread, MPRIS on the D-Bus thread: the player may not be
    // on the bus yet.
    app.state_is("the player on the bus", |_| true);
    app.playerctl(&["play"]);
    app.state_is("Low Hum playing from the stick", |fields| {
        fields[0] == "Playing" && fields.get(1) == Some(&"Low Hum")
    });
    assert!(
        app.playerctl(&["metadata", "mpris:artUrl"])
            .ends_with("/media/USB%20STICK/test-tones/cover.png"),
        "the cover comes from the stick"
    );

    // Pulled while playing: the track stops and leaves the library.
    let status = cowl_testkit::playerctl::follow(&app.bus, &["status"]);
    namespace.pull(&mount_point);
    status
        .lines
        .next_matching("stopped", |line| line == "Stopped", || app.log());
    scanned(0);
    // The player is still there, with no track: playerctl finds no metadata to print.
    assert_eq!(app.playerctl(&["status"]), "Stopped");
    let metadata = Command::new("playerctl")
        .args(["--player", "cowl", "metadata"])
        .env("DBUS_SESSION_BUS_ADDRESS", &app.bus.address)
        .output()
        .expect("run playerctl");
    assert!(
        !metadata.status.success(),
        "no track left, yet: {}",
        String::from_utf8_lossy(&metadata.stdout)
    );
}
