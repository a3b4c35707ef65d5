//! cowl-media measured inside Cowl (headless, pixman):
//!
//! 1. Start to first frame: from spawning the app to the presentation of the first frame
//!    that shows it (wlr-screencopy's presentation time, CLOCK_MONOTONIC on both sides).
//!    Cold (an empty store: every file goes through the Discoverer) and warm (the store
//!    answers), with each of iced's renderers: wgpu (on lavapipe, Mesa's software Vulkan,
//!    here) and tiny-skia.
//! 2. The cost of playing music with the screen idle: CPU time of the app and of Cowl over a
//!    stretch of playback, and the app's surface commits per second (its redraws), next to the
//!    peer: `gst-launch-1.0 playbin` playing the same file with the same sink, i.e. the
//!    decoding alone. What the app adds on top of it is the engine and the window.
//!
//! `cargo build --release -p cowl-media && cargo bench -p cowl --bench media_app` prints
//! Markdown tables for BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::Compositor;
use common::bus::PrivateBus;
use common::capture::{CaptureClient, Probe};
use cowl_testkit::config::screen;

/// The app's night background (no car: the app stays in its night theme); before it shows,
/// the home view is there instead.
const APP_BACKGROUND: u32 = 0x10151c;
/// Below the app's list, in the app's background.
const PROBE: (u32, u32) = (640, 48 + 640);
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(48)
        .dock(80)
        .app("org.cowl.Media", "Media", &["icon = \"media\""])
        .toml()
}

const STARTS: usize = 10;
/// How long playback is watched for the CPU figures.
const PLAYING: Duration = Duration::from_secs(8);
const AUDIO_SINK: &str = "fakesink sync=true";

fn media_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_cowl")).with_file_name("cowl-media");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release -p cowl-media` first",
        path.display()
    );
    path
}

/// A folder with the generated album plus one 12-second tone, long enough to watch.
fn media_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let album = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/media/test-tones");
    std::fs::create_dir_all(dir.path().join("album")).unwrap();
    for entry in std::fs::read_dir(album).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("album").join(entry.file_name()),
        )
        .unwrap();
    }
    let status = Command::new("gst-launch-1.0")
        .args([
            "-q",
            "audiotestsrc",
            "num-buffers=517",
            "samplesperbuffer=1024",
            "!",
            "audio/x-raw,rate=44100,channels=2",
            "!",
            "vorbisenc",
            "!",
            "oggmux",
            "!",
            "filesink",
        ])
        .arg(format!(
            "location={}",
            dir.path().join("long.ogg").display()
        ))
        .status()
        .expect("run gst-launch-1.0");
    assert!(status.success());
    dir
}

/// CPU time (user + system) of a process so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse().ok())
        .collect();
    let ticks: u64 = fields.iter().sum();
    // CLK_TCK is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

struct Run {
    bus: PrivateBus,
    compositor: Compositor,
}

impl Run {
    fn new() -> Run {
        let bus = PrivateBus::start();
        let config = config();
        let compositor =
            Compositor::headless_on_bus(&bus, "1280x800", &["--vehicle", "none"], &config);
        Run { bus, compositor }
    }

    fn spawn_media(
        &self,
        folder: &Path,
        store: &Path,
        renderer: &str,
        extra_env: &[(&str, &str)],
    ) -> Child {
        self.compositor
            .command(media_binary().to_str().expect("utf-8 path"))
            .arg("--folder")
            .arg(folder)
            .arg("--store")
            .arg(store)
            .args(["--audio-sink", AUDIO_SINK])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .env("ICED_BACKEND", renderer)
            .envs(extra_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cowl-media")
    }

    /// Milliseconds from spawn to the presentation of the app's first frame.
    fn start_to_first_frame(
        &self,
        capture: &mut CaptureClient,
        screen: &mut Screen,
        folder: &Path,
        store: &Path,
        renderer: &str,
    ) -> f64 {
        let armed = capture.arm(&screen.buffer);
        let spawned = common::monotonic();
        let mut app = self.spawn_media(folder, store, renderer, &[]);
        let presented = capture.first_presented_where(
            armed,
            &screen.buffer,
            Probe {
                file: &mut screen.file,
                width: WIDTH,
                at: PROBE,
                shows: &|pixel| pixel == APP_BACKGROUND,
            },
        );
        // Gone again before the next start: the home view back.
        let armed = capture.arm(&screen.buffer);
        let _ = app.kill();
        let _ = app.wait();
        capture.first_presented_where(
            armed,
            &screen.buffer,
            Probe {
                file: &mut screen.file,
                width: WIDTH,
                at: PROBE,
                shows: &|pixel| pixel != APP_BACKGROUND,
            },
        );
        presented.saturating_sub(spawned).as_secs_f64() * 1_000.0
    }
}

/// The capture's buffer and the file behind it.
struct Screen {
    buffer: wayland_client::protocol::wl_buffer::WlBuffer,
    file: std::fs::File,
}

fn median(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[values.len() - 1])
}

fn start_table() {
    println!("| renderer | store | start to first frame, median (ms) | max (ms) |");
    println!("|---|---|---|---|");
    let media = media_folder();
    let run = Run::new();
    let mut capture = CaptureClient::connect(&run.compositor);
    let (buffer, file) = capture.buffer(WIDTH, HEIGHT);
    let mut screen = Screen { buffer, file };
    for renderer in ["wgpu", "tiny-skia"] {
        let mut start = |store: &Path| {
            run.start_to_first_frame(&mut capture, &mut screen, media.path(), store, renderer)
        };
        let cold: Vec<f64> = (0..STARTS)
            .map(|round| start(&media.path().join(format!("cold-{renderer}-{round}.redb"))))
            .collect();
        let warm_store = media.path().join(format!("warm-{renderer}.redb"));
        start(&warm_store);
        let warm: Vec<f64> = (0..STARTS).map(|_| start(&warm_store)).collect();
        for (label, values) in [("cold", cold), ("warm", warm)] {
            let (median, max) = median(values);
            println!("| {renderer} | {label} | {median:.0} | {max:.0} |");
        }
    }
}

fn playerctl(bus: &PrivateBus, args: &[&str]) {
    let status = Command::new("playerctl")
        .args(["--player", "cowl"])
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .status()
        .expect("run playerctl");
    assert!(status.success(), "playerctl {args:?}");
}

/// Fires once playerctl reports the long tone playing.
fn playing_long_tone(bus: &PrivateBus) -> std::sync::mpsc::Receiver<()> {
    use std::io::BufRead;
    let mut follow = Command::new("playerctl")
        .args(["--player", "cowl", "--follow", "metadata", "--format"])
        .arg("{{status}} {{xesam:url}}")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run playerctl");
    let stdout = follow.stdout.take().expect("playerctl's stdout");
    let (sender, playing) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("Playing ") && line.ends_with("/long.ogg") {
                let _ = sender.send(());
                break;
            }
        }
        let _ = follow.kill();
        let _ = follow.wait();
    });
    playing
}

/// The app playing the long tone with the screen otherwise idle: its CPU, Cowl's CPU and its
/// commits per second over [`PLAYING`].
fn playing_row(renderer: &str) -> String {
    let media = media_folder();
    let run = Run::new();
    let store = media.path().join("store.redb");
    // WAYLAND_DEBUG logs every request: the commits are counted from it.
    let mut app = run.spawn_media(
        media.path(),
        &store,
        renderer,
        &[("WAYLAND_DEBUG", "client")],
    );
    let stderr = app.stderr.take().expect("the app's stderr");
    let commits = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    {
        use std::io::BufRead;
        let commits = commits.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("wl_surface") && line.contains(".commit(") {
                    commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
    }
    // The list's fourth row, below the app's background: the library is scanned.
    run.compositor.wait_for_capture("the app's list", |image| {
        image.pixel(640, 48 + 344 + 3 * 61) != image.pixel(640, 48 + 640)
    });
    // In path order the long tone comes after the album's three tracks: the fourth entry.
    let playing = playing_long_tone(&run.bus);
    playerctl(&run.bus, &["play"]);
    playerctl(&run.bus, &["next"]);
    playerctl(&run.bus, &["next"]);
    playerctl(&run.bus, &["next"]);
    playing
        .recv_timeout(common::DEADLINE)
        .expect("the long tone to play");
    // Both rows are measured over the same stretch, from half a second into the file: the
    // start of playback is not the steady state. These waits are the measurement itself.
    std::thread::sleep(Duration::from_millis(500));
    let app_before = cpu_time(app.id());
    let cowl_before = cpu_time(run.compositor.pid());
    let commits_before = commits.load(std::sync::atomic::Ordering::Relaxed);
    std::thread::sleep(PLAYING);
    let app_cpu = cpu_time(app.id()) - app_before;
    let cowl_cpu = cpu_time(run.compositor.pid()) - cowl_before;
    let commit_count = commits.load(std::sync::atomic::Ordering::Relaxed) - commits_before;
    let _ = app.kill();
    let _ = app.wait();
    let share = |cpu: Duration| 100.0 * cpu.as_secs_f64() / PLAYING.as_secs_f64();
    format!(
        "| cowl-media ({renderer}) | {:.1} | {:.1} | {:.1} |",
        share(app_cpu),
        share(cowl_cpu),
        commit_count as f64 / PLAYING.as_secs_f64()
    )
}

/// The peer: GStreamer's own player on the same file and sink, no window.
fn peer_row() -> String {
    let media = media_folder();
    let uri = format!("file://{}", media.path().join("long.ogg").display());
    let mut peer = Command::new("gst-launch-1.0")
        .args(["-q", "playbin"])
        .arg(format!("uri={uri}"))
        .arg(format!("audio-sink={AUDIO_SINK}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run gst-launch-1.0");
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_time(peer.id());
    std::thread::sleep(PLAYING);
    let cpu = cpu_time(peer.id()) - before;
    let _ = peer.kill();
    let _ = peer.wait();
    format!(
        "| gst-launch-1.0 playbin (peer) | {:.1} | - | - |",
        100.0 * cpu.as_secs_f64() / PLAYING.as_secs_f64()
    )
}

fn main() {
    start_table();
    println!();
    println!(
        "| playing a {}-second stretch, screen idle | app CPU (% of a core) | Cowl CPU (% of a core) | app commits per second |",
        PLAYING.as_secs()
    );
    println!("|---|---|---|---|");
    println!("{}", peer_row());
    for renderer in ["wgpu", "tiny-skia"] {
        println!("{}", playing_row(renderer));
    }
}
