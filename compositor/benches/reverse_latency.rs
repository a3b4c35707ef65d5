//! Reverse latency, the way a driver meets it: from the CAN frame that puts the gear in R to
//! the presentation of the first frame showing the rear camera. The frame is injected with
//! org.cowl.Debug1.CanFrame (decoding and everything after it run as for a SocketCAN frame),
//! its time taken on CLOCK_MONOTONIC just before the call; the end is the presentation time
//! of the first wlr-screencopy capture (copy_with_damage, so every presented frame is seen)
//! whose pixels are the camera's. The injecting call's own D-Bus trip is included: an upper
//! bound. The camera is a live 640x480 GStreamer test source at 30 fps; what a real sensor
//! and its driver add before a frame reaches the appsink is not in this figure.
//!
//! Each trial leaves R, waits until the camera is gone, and puts the gear in R at a moment
//! spread over the refresh interval (a car's frame arrives at any phase of the display's
//! refresh).
//!
//! `cargo bench -p cowl --bench reverse_latency` prints a Markdown table for BENCHMARKS.md.
//! No peer runs beside it: Weston has no rear-camera path to measure the same way.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::Compositor;
use common::bus::PrivateBus;
use common::capture::{CaptureClient, Probe};
use cowl_sdk::shell::Debug1Proxy;
use cowl_testkit::config::{GREEN_CAMERA, screen};

const TRIALS: usize = 200;
const WARM_UP: usize = 10;
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
/// The camera's solid colour, and a point of the screen that shows it in R (clear of the
/// guide lines) and the chrome otherwise.
const CAMERA: u32 = 0x00_c0_00;
const PROBE: (u32, u32) = (WIDTH / 2, HEIGHT / 4);
/// The demo DBC's gear frames: D and R.
const GEAR_D: &str = "123#33";
const GEAR_R: &str = "123#11";

fn config() -> String {
    let camera = GREEN_CAMERA.replace("width=160,height=120", "width=640,height=480");
    screen("HEADLESS-1")
        .status_bar(48)
        .dock(96)
        .camera(&camera)
        .toml()
}

fn run(renderer: &str) -> String {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_rendering_on_bus(
        &bus,
        renderer,
        &format!("{WIDTH}x{HEIGHT}"),
        &["--vehicle", "none", "--debug-input"],
        &config(),
    );
    let connection = bus.connect();
    let debug = zbus::block_on(Debug1Proxy::new(&connection)).expect("Debug1 proxy");
    let mut capture = CaptureClient::connect(&compositor);
    let (buffer, mut file) = capture.buffer(WIDTH, HEIGHT);
    let inject = |frame: &str| zbus::block_on(debug.can_frame("can0", frame)).expect("CanFrame");

    let camera = |pixel: u32| pixel == CAMERA;
    let no_camera = |pixel: u32| pixel != CAMERA;
    let mut latencies = Vec::with_capacity(TRIALS);
    for trial in 0..WARM_UP + TRIALS {
        let armed = capture.arm(&buffer);
        inject(GEAR_D);
        let probe = Probe {
            file: &mut file,
            width: WIDTH,
            at: PROBE,
            shows: &no_camera,
        };
        let gone = capture.first_presented_where(armed, &buffer, probe);
        // A gear change comes at any point of the 60 Hz refresh, not just after a frame as
        // this loop would inject it: spread the moments over one refresh interval after the
        // frame without the camera is shown. (A capture is ready once its frame is drawn,
        // before the vblank that shows it; a gear change before that vblank would wait for
        // it and measure the previous frame's presentation, not the camera's path.)
        let spread = Duration::from_micros((trial as u64 * 7_919) % 16_667);
        std::thread::sleep((gone + spread).saturating_sub(common::monotonic()));
        // The capture is armed before the frame goes in, so the first frame after it is seen.
        let armed = capture.arm(&buffer);
        let injected = common::monotonic();
        inject(GEAR_R);
        let probe = Probe {
            file: &mut file,
            width: WIDTH,
            at: PROBE,
            shows: &camera,
        };
        let presented = capture.first_presented_where(armed, &buffer, probe);
        if trial >= WARM_UP {
            latencies.push(presented.saturating_sub(injected));
        }
    }
    latencies.sort();
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    format!(
        "| {renderer} | {TRIALS} | {} | {} | {} |",
        ms(common::percentile(&latencies, 0.5)),
        ms(common::percentile(&latencies, 0.99)),
        ms(*latencies.last().expect("trials")),
    )
}

fn main() {
    println!("| renderer | trials | p50 (ms) | p99 (ms) | max (ms) |");
    println!("|---|---|---|---|---|");
    for renderer in ["pixman", "gles"] {
        println!("{}", run(renderer));
    }
}
