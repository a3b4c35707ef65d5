//! The DRM backend on a real kernel. This machine has no display controller, so the test
//! boots Debian's kernel under qemu (TCG) with a virtio-gpu (a real KMS driver, `virtio-gpu`),
//! and runs this build of cowl with `--backend drm` inside, as an unprivileged user that
//! seatd grants the seat to, on this machine's
//! own root file system shared read-only over 9p: udev, seatd, Mesa, wev and grim are the
//! ones installed here. A uinput device stands in for the touchscreen
//! (tests/drm/touchscreen.py).
//!
//! What is checked, as a user would see it:
//! - cowl's first frame reaches the CRTC, in the mode the configuration asks for (1024x768,
//!   not the preferred 1280x800): qemu's `screendump` (what the display controller scans out)
//!   shows the picture Cowl's own screencopy (grim) captured, status bar included;
//! - every page flip refused from the start (so no display can show a frame): what waits for
//!   the first frame (libinput, the keyboard, the apps) comes anyway two seconds on, a client
//!   gets its window and the keyboard's focus, and the displays light up once flips are taken;
//! - a touch, and a two-finger touch, reach the client under them (wev) at the right surface
//!   coordinates: the touchscreen is mapped to the display by udev's WL_OUTPUT, and its axes
//!   are scaled to the display's mode;
//! - a second touchscreen, mounted mirrored, is mapped by its name in the configuration, and
//!   its calibration matrix puts a touch where the finger is;
//! - a second display (the virtio-gpu's second head, lit through qemu's D-Bus display) comes
//!   up at once in its preferred mode, with the layout configured for it (background, bottom
//!   status bar), its first frame flipped, its scanout equal to Cowl's screencopy;
//! - a VT switch away and back (seatd pausing and resuming the session) is survived: touch
//!   works again and the display shows Cowl's picture again, not the text console; and
//!   Ctrl+Alt+F2 on a keyboard plugged in while Cowl runs (uinput, tests/drm/keyboard.py)
//!   takes the seat to VT 2, whose console's Ctrl+Alt+F1 brings Cowl back;
//! - the display unplugged and plugged back (the kernel's connector status forced off and
//!   on, with a real hotplug event): the output goes and comes back in its configured mode,
//!   with the same picture, the client's window in its place and touch reaching it;
//! - page flips the kernel refuses (EBUSY, injected at the ioctl by tests/drm/flip-faults.py)
//!   are committed again: the picture after the client closed reaches the display;
//! - the display controller removed (its driver unbound) and bound again: the outputs go,
//!   and come back on the controller Cowl takes in its place, its picture on the display.
//! - Cowl started before its display controller is ready at once, and lights the display
//!   when the controller appears;
//! - a fullscreen window showing a dmabuf (a dumb buffer of the controller, shared through
//!   PRIME) on a display without chrome: with GLES, linux-dmabuf's feedback names the GPU,
//!   the display scans the buffer out itself (ZeroCopy presentation feedback, Cowl's log)
//!   and shows exactly its pixels; with Pixman, Cowl composes it to the same picture.
//!
//! A second, shorter VM has qemu's standard VGA (driver bochs), which cannot share its
//! buffers (no PRIME export): Cowl draws into the display's own mapped buffers there, and
//! its picture, a client's window and a VT switch reach the display (tests/drm/vm-run-stdvga.sh).
//!
//! The in-VM side is tests/drm/vm-init.sh (boot) and tests/drm/vm-run.sh (the checks); the
//! kernel and modules come from tests/can/vm-kernel.sh (run by `.ci/install-deps test`).

mod common;
#[path = "drm/dmabuf_client.rs"]
mod dmabuf_client;
#[path = "drm/vm.rs"]
mod vm;

use std::path::Path;
use std::time::{Duration, Instant};

use common::client::{Feedback, TestClient};
use common::find_on_path;

const TOUCHSCREEN: &str = "Cowl test touchscreen";
/// A second touchscreen, mounted mirrored: cowl.toml maps it and calibrates it.
const MIRRORED_TOUCHSCREEN: &str = "Cowl mirrored touchscreen";
/// The configured mode (the virtual display prefers 1280x800).
const PANEL: (usize, usize) = (1024, 768);
/// The display's configured background.
const BACKGROUND: [u8; 3] = [0x20, 0x30, 0x40];
/// The passenger display on the virtio-gpu's second head: its size (its preferred mode) and
/// configured background.
const PASSENGER: (u32, u32) = (800, 600);
const PASSENGER_BACKGROUND: [u8; 3] = [0x60, 0x40, 0x20];
/// The mode of the Cowl started before its display controller, which the kernel is told to
/// offer: a refresh this slow keeps frames apart only if Cowl paces them, since virtio-gpu
/// completes a flip as soon as it is committed and a debug Cowl under TCG takes about 50 ms
/// a frame (well under a refresh of 60 Hz, well over one of 10 Hz).
const PACED_MODE: &str = "1024x768@10";
/// `PACED_MODE`'s refresh interval, give or take its CVT timings' rounding.
const PACED_REFRESH_NS: std::ops::Range<u32> = 95_000_000..105_000_000;
/// What the direct scanout client's buffer holds (0xRRGGBB).
const SCANOUT_COLOUR: u32 = 0x00c0_3070;
const CHECKS: [&str; 73] = [
    "touchscreen-created",
    "mirrored-touchscreen-created",
    "seatd",
    "renderer",
    "first-flips-refused",
    "apps-without-first-frame",
    "touchscreen-without-first-frame",
    "client-shown",
    "client-focused",
    "no-frame-while-refused",
    "first-frame",
    "configured-mode",
    "passenger-display",
    "passenger-first-frame",
    "touchscreen-mapped",
    "mirrored-touchscreen-mapped",
    "screencopy",
    "passenger-screencopy",
    "touch-down",
    "multitouch-first",
    "multitouch-second",
    "calibrated-touch",
    "session-paused",
    "session-resumed",
    "touchscreen-back",
    "touch-after-resume",
    "screencopy-after-resume",
    "keyboard-created",
    "keyboard-taken",
    "vt-key-paused",
    "vt-key-on-vt2",
    "vt-key-resumed",
    "touchscreen-back-after-vt-keys",
    "keyboard-back-after-vt-keys",
    "touch-after-vt-keys",
    "typed-after-vt-keys",
    "vt-key-kept-from-client",
    "unplugged",
    "replugged",
    "client-back",
    "touch-after-replug",
    "screencopy-after-replug",
    "client-closed",
    "flips-refused",
    "flips-retried",
    "screencopy-after-refused-flips",
    "controller-removed",
    "outputs-gone",
    "controller-taken",
    "centre-display-back",
    "passenger-display-back",
    "screencopy-after-rebind",
    "paused-again",
    "removed-while-paused",
    "appeared-while-paused",
    "resumed-again",
    "taken-at-resume",
    "centre-display-at-resume",
    "passenger-display-at-resume",
    "screencopy-after-resume-rebind",
    "cowl-exited",
    "ready-without-display",
    "late-controller-taken",
    "late-display-lit",
    "late-screencopy",
    "scanout-client-shown",
    "direct-scanout",
    "scanout-screencopy",
    "scanout-client",
    "direct-scanout-ended",
    "presentation",
    "late-cowl-exited",
    "no-panic",
];
const STDVGA_CHECKS: [&str; 12] = [
    "bochs-display",
    "seatd",
    "first-frame",
    "configured-mode",
    "client-shown",
    "screencopy",
    "session-paused",
    "session-resumed",
    "client-closed",
    "screencopy-after-resume",
    "cowl-exited",
    "no-panic",
];
/// A whole VM run's limit: it takes about a minute alone, several on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(420);

/// An RGB picture.
struct Picture {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Picture {
    fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * 3;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }

    /// What qemu's screendump writes: binary PPM (P6, maxval 255).
    fn from_ppm(path: &Path) -> Picture {
        let bytes = std::fs::read(path).expect("read the screendump");
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        assert_eq!(fields[0], "P6", "not a binary PPM");
        assert_eq!(fields[3], "255");
        let width: usize = fields[1].parse().expect("width");
        let height: usize = fields[2].parse().expect("height");
        let rgb = bytes[at + 1..].to_vec();
        assert_eq!(rgb.len(), width * height * 3, "a short screendump");
        Picture { width, height, rgb }
    }

    /// What grim writes: an 8-bit RGB(A) PNG.
    fn from_png(path: &Path) -> Picture {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(path).expect("open the capture"),
        ));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buffer = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buffer).expect("a frame");
        let channels = info.color_type.samples();
        let rgb = buffer[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|pixel| [pixel[0], pixel[1], pixel[2]])
            .collect();
        Picture {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    /// How many pixels differ from `other` (which must be the same size).
    fn differing_pixels(&self, other: &Picture) -> usize {
        assert_eq!(
            (self.width, self.height),
            (other.width, other.height),
            "the pictures differ in size"
        );
        self.rgb
            .chunks(3)
            .zip(other.rgb.chunks(3))
            .filter(|(a, b)| a != b)
            .count()
    }
}

/// Boots the VM on `display` to run `script` (in tests/drm) with cowl on `renderer`, answers
/// its steps with screendumps, and returns its console and the directory holding its logs
/// and captures.
fn run_vm(renderer: &str, display: vm::DisplayDevice, script: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let share = dir.path().join("share");
    std::fs::create_dir_all(&share).expect("mkdir");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    std::fs::copy(tests.join("drm").join(script), share.join("run.sh")).expect("copy run.sh");
    std::fs::write(
        share.join("env"),
        format!(
            "COWL='{}'\nTESTS='{}'\nRENDERER='{renderer}'\nTOUCHSCREEN='{TOUCHSCREEN}'\n\
             MIRRORED_TOUCHSCREEN='{MIRRORED_TOUCHSCREEN}'\nTEST_BINARY='{}'\n",
            env!("CARGO_BIN_EXE_cowl"),
            tests.display(),
            std::env::current_exe().expect("the test binary").display()
        ),
    )
    .expect("write env");
    // grim captures through screencopy, on Cowl's trusted socket (vm-lib.sh, `grim_as_cowl`).
    find_on_path("grim").expect("grim is missing: run .ci/install-deps test");
    let hex = |[r, g, b]: [u8; 3]| format!("#{r:02x}{g:02x}{b:02x}");
    std::fs::write(
        share.join("cowl.toml"),
        format!(
            "[dbus]\nbus = \"none\"\n\n\
             [[outputs]]\nname = \"Virtual-1\"\nmode = \"1024x768\"\n[outputs.layout]\n\
             status_bar = {{ edge = \"top\", size = 48 }}\nbackground = \"{}\"\n\n\
             [[outputs]]\nname = \"Virtual-2\"\nrole = \"passenger\"\n[outputs.layout]\n\
             status_bar = {{ edge = \"bottom\", size = 40 }}\nbackground = \"{}\"\n\n\
             [[touchscreens]]\nname = \"{MIRRORED_TOUCHSCREEN}\"\noutput = \"Virtual-1\"\n\
             calibration = [-1.0, 0.0, 1.0, 0.0, 1.0, 0.0]\n",
            hex(BACKGROUND),
            hex(PASSENGER_BACKGROUND),
        ),
    )
    .expect("write the configuration");
    // The Cowl started before its display controller: its centre display has no status bar
    // or dock, so that a fullscreen window covers all of it (the direct scanout check), and
    // runs in the slow mode (the presentation check).
    std::fs::write(
        share.join("cowl-late.toml"),
        format!(
            "[dbus]\nbus = \"none\"\n\n\
             [[outputs]]\nname = \"Virtual-1\"\nmode = \"{PACED_MODE}\"\n[outputs.layout]\n\
             background = \"{}\"\n",
            hex(BACKGROUND),
        ),
    )
    .expect("write the late configuration");

    let mut machine = vm::Vm::boot(dir.path(), &share, display, DEADLINE);
    // Both of Cowl's runs: the long one, and the one started before its display controller.
    let cowl_log = || {
        ["cowl.log", "cowl-late.log"]
            .map(|name| std::fs::read_to_string(share.join(name)).unwrap_or_default())
            .join("\n--- cowl-late.log ---\n")
    };
    while let Some(line) = machine.next_line(|| format!("cowl:\n{}", cowl_log())) {
        if let Some(step) = line.trim().strip_prefix("STEP ") {
            screendump_once_shown(&machine, display, dir.path(), &share, step);
            std::fs::write(share.join(format!("ack-{step}")), "").expect("ack the step");
        }
        if line.contains("VM-DONE") {
            break;
        }
    }
    let mut console = std::mem::take(&mut machine.console);
    if !cowl_log().contains("panicked") {
        console.push_str("CHECK no-panic PASS\n");
    }
    (console, dir)
}

/// Takes step `N`'s screendump once the display shows what Cowl's screencopy captured just
/// before (grim-N.png): the kernel completes the flip of that frame on its own time, after
/// grim has its copy, so a loaded machine may still scan out the frame before. Gives up after
/// ten seconds, leaving the last screendump for the comparison to fail on.
fn screendump_once_shown(
    machine: &vm::Vm,
    display: vm::DisplayDevice,
    dir: &Path,
    share: &Path,
    step: &str,
) {
    let file = dir.join(format!("{step}.ppm"));
    let capture = step.trim_start_matches("screendump-");
    let expected = Picture::from_png(&share.join(format!("grim-{capture}.png")));
    // The passenger display is the virtio-gpu's second head; the standard VGA is qemu's
    // only console.
    let device = match display {
        vm::DisplayDevice::VirtioGpu { .. } if capture == "passenger" => " gpu 1",
        vm::DisplayDevice::VirtioGpu { .. } => " gpu 0",
        vm::DisplayDevice::StdVga => "",
    };
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = machine.monitor(&format!("screendump {}{device}", file.display()));
        assert!(file.exists(), "screendump failed: {reply}");
        let shown = Picture::from_ppm(&file);
        let same_size = (shown.width, shown.height) == (expected.width, expected.height);
        if (same_size && shown.differing_pixels(&expected) == 0) || Instant::now() > give_up {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn drm_backend_on_a_real_kernel(renderer: &str) {
    let display = vm::DisplayDevice::VirtioGpu {
        second_head: Some(PASSENGER),
        extra_mode: Some(PACED_MODE),
    };
    let (console, dir) = run_vm(renderer, display, "vm-run.sh");
    let share = dir.path().join("share");
    let kept = keep_captures(&format!("drm-vm-{renderer}"), &dir);
    let logs = || {
        let log = |name: &str| std::fs::read_to_string(share.join(name)).unwrap_or_default();
        format!(
            "console:\n{console}\ncowl:\n{}\ncowl, started before its display:\n{}\nwev:\n{}\n\
             presentation client:\n{}\ndirect scanout client:\n{}",
            log("cowl.log"),
            log("cowl-late.log"),
            log("wev.log"),
            log("presentation.log"),
            log("scanout.log")
        )
    };
    for check in CHECKS {
        assert!(
            console.contains(&format!("CHECK {check} PASS")),
            "check {check} did not pass\n{}",
            logs()
        );
    }

    // What the CRTC scans out is what Cowl composed: the same picture as its screencopy.
    for (step, capture) in [
        ("screendump-1", "grim-1.png"),
        ("screendump-2", "grim-2.png"),
        ("screendump-3", "grim-3.png"),
        ("screendump-4", "grim-4.png"),
        ("screendump-5", "grim-5.png"),
        ("screendump-6", "grim-6.png"),
        ("screendump-7", "grim-7.png"),
        ("screendump-8", "grim-8.png"),
    ] {
        let scanout = Picture::from_ppm(&dir.path().join(format!("{step}.ppm")));
        assert_eq!((scanout.width, scanout.height), PANEL);
        let screencopy = Picture::from_png(&share.join(capture));
        let differing = scanout.differing_pixels(&screencopy);
        assert_eq!(
            differing,
            0,
            "{step}: the display and Cowl's screencopy differ in {differing} pixels (both \
             in {})",
            kept.display()
        );
    }
    // The passenger display shows its own layout, as Cowl composed it: its background, and
    // its status bar at the bottom.
    let screencopy = Picture::from_png(&share.join("grim-passenger.png"));
    assert_eq!(
        (screencopy.width, screencopy.height),
        (PASSENGER.0 as usize, PASSENGER.1 as usize)
    );
    assert_eq!(
        screencopy.pixel(400, 300),
        PASSENGER_BACKGROUND,
        "the passenger display does not show its configured background"
    );
    assert_ne!(
        screencopy.pixel(400, 580),
        PASSENGER_BACKGROUND,
        "no status bar at the bottom of the passenger display"
    );
    let passenger = Picture::from_ppm(&dir.path().join("screendump-passenger.ppm"));
    let differing = passenger.differing_pixels(&screencopy);
    assert_eq!(
        differing, 0,
        "the passenger display and Cowl's screencopy of it differ in {differing} pixels"
    );
    let before = Picture::from_ppm(&dir.path().join("screendump-1.ppm"));
    let after = Picture::from_ppm(&dir.path().join("screendump-2.ppm"));
    // The status bar is drawn over the background; below it, the client's window.
    assert_ne!(
        before.pixel(512, 20),
        BACKGROUND,
        "no status bar on Virtual-1"
    );
    // After the VT switch the display shows Cowl again, as before (not the console).
    let differing = before.differing_pixels(&after);
    assert_eq!(
        differing, 0,
        "after the session came back the display differs in {differing} pixels"
    );
    // Unplugged and plugged back: the same picture, layout and client included.
    let replugged = Picture::from_ppm(&dir.path().join("screendump-3.ppm"));
    let differing = before.differing_pixels(&replugged);
    assert_eq!(
        differing, 0,
        "after the display was plugged back it differs in {differing} pixels"
    );
    // The frame whose flips were refused reached the display: the client's window is gone.
    let window = (512, 400);
    assert_ne!(
        before.pixel(window.0, window.1),
        BACKGROUND,
        "no client window"
    );
    let closed = Picture::from_ppm(&dir.path().join("screendump-4.ppm"));
    assert_eq!(
        closed.pixel(window.0, window.1),
        BACKGROUND,
        "the display still shows the closed client's window after the refused flips"
    );
    // The fullscreen dmabuf window is all the display shows, to the last pixel: scanned out
    // as it is (GLES) or composed (Pixman).
    let scanout = Picture::from_ppm(&dir.path().join("screendump-8.ppm"));
    let colour = SCANOUT_COLOUR.to_be_bytes();
    let elsewhere = scanout
        .rgb
        .chunks(3)
        .filter(|pixel| pixel != &&colour[1..])
        .count();
    assert_eq!(
        elsewhere, 0,
        "{elsewhere} pixels of the display do not show the fullscreen dmabuf window"
    );
}

/// Copies a VM run's captures and logs to target/tmp/`name`: they outlive a failed run, for
/// a look at what differed.
fn keep_captures(name: &str, dir: &tempfile::TempDir) -> std::path::PathBuf {
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).expect("mkdir");
    for folder in [dir.path().to_path_buf(), dir.path().join("share")] {
        for entry in std::fs::read_dir(folder).expect("the VM's files").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ppm") || name.ends_with(".png") || name.ends_with(".log") {
                let _ = std::fs::copy(entry.path(), kept.join(&name));
            }
        }
    }
    kept
}

/// qemu's standard VGA (driver bochs): a display controller that cannot share its buffers
/// (no PRIME export), as simple display engines are. Cowl draws into the display's own
/// buffers there, with either renderer asked for: its first frame, a client's window and a
/// VT switch reach the display, equal to Cowl's screencopy pixel for pixel.
fn drm_backend_on_a_display_that_shares_no_buffers(renderer: &str) {
    let (console, dir) = run_vm(renderer, vm::DisplayDevice::StdVga, "vm-run-stdvga.sh");
    let share = dir.path().join("share");
    let kept = keep_captures(&format!("drm-vm-stdvga-{renderer}"), &dir);
    for check in STDVGA_CHECKS {
        assert!(
            console.contains(&format!("CHECK {check} PASS")),
            "check {check} did not pass\nconsole:\n{console}\ncowl:\n{}",
            std::fs::read_to_string(share.join("cowl.log")).unwrap_or_default()
        );
    }
    for step in ["1", "2"] {
        let scanout = Picture::from_ppm(&dir.path().join(format!("screendump-{step}.ppm")));
        assert_eq!((scanout.width, scanout.height), PANEL);
        let screencopy = Picture::from_png(&share.join(format!("grim-{step}.png")));
        let differing = scanout.differing_pixels(&screencopy);
        assert_eq!(
            differing,
            0,
            "screendump-{step}: the display and Cowl's screencopy differ in {differing} \
             pixels (both in {})",
            kept.display()
        );
        assert_ne!(scanout.pixel(512, 20), BACKGROUND, "no status bar");
    }
    let with_client = Picture::from_ppm(&dir.path().join("screendump-1.ppm"));
    let closed = Picture::from_ppm(&dir.path().join("screendump-2.ppm"));
    assert_ne!(with_client.pixel(512, 400), BACKGROUND, "no client window");
    assert_eq!(
        closed.pixel(512, 400),
        BACKGROUND,
        "the closed client's window is still on the display after the VT switch"
    );
}

#[test]
fn stdvga_with_pixman() {
    drm_backend_on_a_display_that_shares_no_buffers("pixman");
}

/// GLES through GBM needs buffers it can share with the display: Cowl falls back to Pixman.
#[test]
fn stdvga_with_gles_asked_for() {
    drm_backend_on_a_display_that_shares_no_buffers("gles");
}

#[test]
fn drm_backend_with_pixman_on_a_real_kernel() {
    drm_backend_on_a_real_kernel("pixman");
}

/// GLES through GBM: Mesa's llvmpipe renders into buffers the display controller scans out.
#[test]
fn drm_backend_with_gles_on_a_real_kernel() {
    drm_backend_on_a_real_kernel("gles");
}

/// The client side of the presentation check, run inside the VM by vm-run.sh (this test
/// binary, with `--ignored --exact`; WAYLAND_DISPLAY names the socket of the Cowl whose
/// display runs in `PACED_MODE`). Frames of a toplevel must be reported presented with the
/// display's own clock (HwClock, HwCompletion: the page flip's kernel timestamp), on
/// CLOCK_MONOTONIC, with the mode's refresh, at times at least a refresh apart.
#[test]
#[ignore = "the DRM VM runs it against cowl on a real display (tests/drm/vm-run.sh)"]
fn presentation_on_a_real_display_inside_the_vm() {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").expect("XDG_RUNTIME_DIR");
    let display = std::env::var_os("WAYLAND_DISPLAY").expect("WAYLAND_DISPLAY");
    let socket = Path::new(&runtime).join(display);
    let mut client = TestClient::connect(&socket, "org.cowl.PresentationProbe");
    const FRAMES: usize = 10;
    client.draw(0x0030_6090);
    client.wait_for_frames(1);
    // The next frames damage a small square only, so that neither the client nor Cowl's
    // drawing is what keeps them apart.
    for frame in 1..FRAMES {
        client.redamage_corner(16);
        client.wait_for_frames(frame + 1);
    }
    assert_eq!(
        client.state.presentation_clock,
        Some(1),
        "not CLOCK_MONOTONIC"
    );
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let now_ns = now.tv_sec as u128 * 1_000_000_000 + now.tv_nsec as u128;
    let mut previous: Option<(u128, u64)> = None;
    let mut intervals_ms = Vec::new();
    for feedback in &client.state.feedback {
        let Feedback::Presented {
            nanoseconds,
            refresh_ns,
            sequence,
            vsync,
            hardware,
            ..
        } = feedback.clone()
        else {
            panic!(
                "a frame with damage was discarded: {:?}",
                client.state.feedback
            );
        };
        assert!(vsync && hardware, "not a flip's time: {feedback:?}");
        assert!(
            PACED_REFRESH_NS.contains(&refresh_ns),
            "refresh {refresh_ns} ns"
        );
        assert!(nanoseconds <= now_ns, "presented in the future");
        assert!(now_ns - nanoseconds < 60_000_000_000, "not a recent time");
        if let Some((previous_ns, previous_sequence)) = previous {
            // virtio-gpu has no vblank counter: the kernel reports 0, which the protocol
            // allows; a counter that exists must grow.
            assert!(
                sequence == 0 && previous_sequence == 0 || sequence > previous_sequence,
                "vblank counts must grow"
            );
            assert!(nanoseconds > previous_ns, "flip times must grow");
            // The client draws its next frame as soon as the last one is presented. On
            // virtio-gpu a flip completes the moment it is committed (no vblank
            // interrupt), so only Cowl's own pacing keeps frames a refresh apart
            // (`PACED_MODE`).
            let interval = nanoseconds - previous_ns;
            intervals_ms.push(format!("{:.2}", interval as f64 / 1e6));
            assert!(
                interval >= u128::from(refresh_ns) * 99 / 100,
                "two flips within one refresh ({interval} ns apart): {:?}",
                client.state.feedback
            );
        }
        previous = Some((nanoseconds, sequence));
    }
    println!(
        "presented {FRAMES} frames with the flips' timestamps, {} ms apart",
        intervals_ms.join(" ")
    );
}

/// The client side of the direct scanout check, run inside the VM by vm-run.sh against the
/// Cowl whose centre display has no status bar or dock, so that a fullscreen window covers
/// all of it. The window shows a dumb buffer of the display controller (`CARD`), shared as a
/// linear dmabuf: with GLES, linux-dmabuf's feedback must name the controller's GPU, and
/// the display must scan the buffer out itself (presentation feedback with ZeroCopy); with
/// Pixman, whose dumb buffers cannot take a client's, Cowl composes it. It prints "buffer
/// presented" and holds the picture until a line arrives on the fifo `SCANOUT_QUIT`.
#[test]
#[ignore = "the DRM VM runs it against cowl on a real display (tests/drm/vm-run.sh)"]
fn direct_scanout_inside_the_vm() {
    let env = |name: &str| std::env::var_os(name).unwrap_or_else(|| panic!("{name} is not set"));
    let socket = Path::new(&env("XDG_RUNTIME_DIR")).join(env("WAYLAND_DISPLAY"));
    let card = std::path::PathBuf::from(env("CARD"));
    let gles = env("RENDERER") == "gles";
    let mut client = TestClient::connect(&socket, "org.cowl.ScanoutProbe");
    let (width, height) = client.request_fullscreen();
    assert_eq!(
        (width as usize, height as usize),
        PANEL,
        "a fullscreen window on a display without chrome covers all of it"
    );

    let (version, main_device) = dmabuf_client::dmabuf_main_device(&mut client);
    if gles {
        // The GPU's render node where it has one, else the controller's own node.
        let render_node = Path::new("/dev/dri/renderD128");
        let node = if render_node.exists() {
            render_node
        } else {
            card.as_path()
        };
        let expected = rustix::fs::stat(node).expect("stat the GPU's node").st_rdev;
        assert_eq!(
            main_device,
            Some(expected),
            "linux-dmabuf v{version} must name the GPU Cowl renders with ({})",
            node.display()
        );
    } else {
        assert_eq!(main_device, None, "Pixman names no GPU to draw on");
    }

    let buffer = dmabuf_client::dumb_dmabuf(
        &mut client,
        &card,
        width as u32,
        height as u32,
        SCANOUT_COLOUR,
    );
    // A few frames: the first may be composed while the display's planes are tried.
    const FRAMES: usize = 4;
    for frame in 0..FRAMES {
        client.show_buffer(&buffer, width, height);
        client.wait_for_frames(frame + 1);
    }
    let last = client.state.feedback.last().cloned();
    let Some(Feedback::Presented { zero_copy, .. }) = last else {
        panic!(
            "the last frame was not presented: {:?}",
            client.state.feedback
        );
    };
    assert_eq!(
        zero_copy, gles,
        "ZeroCopy with GLES only (direct scanout): {:?}",
        client.state.feedback
    );
    println!("buffer presented, zero copy: {zero_copy}");
    // Hold the picture until told to quit, answering Cowl all the while: an app that stops
    // answering pings is covered as hung after a few seconds, and the display would show the
    // cover instead of the window (seen on a busy CI machine).
    let quit_path = env("SCANOUT_QUIT");
    let (told_to_quit, quit) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let fifo = std::fs::File::open(&quit_path).expect("fifo");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(fifo), &mut line)
            .expect("read the fifo");
        let _ = told_to_quit.send(());
    });
    while quit.try_recv().is_err() {
        client.answer_for(std::time::Duration::from_millis(200));
    }
}
