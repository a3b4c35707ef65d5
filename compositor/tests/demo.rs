//! The README's demo, headless: `cowl --demo` shows the shell in the shipped layout (the
//! chrome, the navigation and media apps split), writes a screenshot, prints its path and
//! stops by itself.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `cowl --demo` headless with the shipped configuration, writing its screenshot to
/// `screenshot`, with `XDG_RUNTIME_DIR` set to `runtime_dir` (unset where `None`), and
/// returns its output once it has stopped by itself.
fn run_headless_demo(screenshot: &Path, runtime_dir: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cowl"));
    command
        .args(["--backend", "headless", "--demo", "--screenshot"])
        .arg(screenshot)
        // The shipped defaults, named so that no /etc/cowl/cowl.toml of this machine counts.
        .arg("--config")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../assets/config/cowl.toml"
        ))
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        // No bus: the media app keeps its night theme whatever the demo car says.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match runtime_dir {
        Some(dir) => command.env("XDG_RUNTIME_DIR", dir),
        None => command.env_remove("XDG_RUNTIME_DIR"),
    };
    let child = command.spawn().expect("start cowl --demo");

    // The helper thread gives the wait a deadline.
    let (sender, receiver) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(common::DEADLINE) {
        Ok(output) => output.expect("collect cowl's output"),
        Err(_) => {
            common::send_signal(pid, rustix::process::Signal::KILL);
            panic!("cowl --demo did not stop by itself");
        }
    }
}

#[test]
fn headless_demo_writes_a_screenshot_of_the_shell_and_stops() {
    let runtime_dir = common::private_runtime_dir();
    let screenshot = runtime_dir.path().join("demo.png");
    let output = run_headless_demo(&screenshot, Some(runtime_dir.path()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("screenshot written to {}", screenshot.display())),
        "the path is printed: {stdout}"
    );

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&screenshot).expect("the screenshot exists"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut rgb = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgb).expect("PNG data");
    assert_eq!(
        (info.width, info.height),
        (1920, 720),
        "the default head-unit panel"
    );
    let pixel = |x: usize, y: usize| {
        let at = (y * 1920 + x) * 3;
        [rgb[at], rgb[at + 1], rgb[at + 2]]
    };
    // The shipped layout: a 48-pixel status bar on top and a 96-pixel dock at the bottom,
    // drawn by the chrome, and the two apps split 60/40 in the app area between. The real
    // apps where `cargo test --workspace` built them beside cowl, else foot stand-ins.
    let built = |name: &str| {
        std::path::Path::new(env!("CARGO_BIN_EXE_cowl"))
            .with_file_name(name)
            .exists()
    };
    // cowl-media's night background (no bus: it keeps its night theme), or the stand-in's.
    let media = if built("cowl-media") {
        [0x10, 0x15, 0x1c]
    } else {
        [0x2a, 0x18, 0x30]
    };
    // The demo drive starts by day, and the shipped theme follows the car.
    assert_eq!(pixel(1919, 10), common::DAY_PANEL, "status bar");
    assert_eq!(pixel(1, 700), common::DAY_PANEL, "dock");
    assert_eq!(pixel(1, 47), common::DAY_PANEL, "just above the apps");
    if built("cowl-nav") {
        // The map's day ground fills much of navigation's 60%, and its banner shows the
        // drive to the museum.
        let in_navigation = |colour: [u8; 3]| {
            (48..624)
                .flat_map(|y| (0..1152).map(move |x| (x, y)))
                .filter(|&(x, y)| pixel(x, y) == colour)
                .count()
        };
        assert!(in_navigation([0xf2, 0xef, 0xe9]) > 100_000, "the map");
        assert!(
            in_navigation([0x0b, 0x5b, 0x3c]) > 20_000,
            "the guidance banner"
        );
    } else {
        let navigation = [0x10, 0x22, 0x2e];
        assert_eq!(pixel(1, 623), navigation, "navigation's bottom-left corner");
        assert_eq!(
            pixel(1151, 300),
            navigation,
            "navigation's right edge, at 60%"
        );
        // The stand-in's first line holds bright text.
        let bright = (48..62)
            .flat_map(|y| (0..400).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(x, y).iter().all(|&channel| channel > 200))
            .count();
        assert!(
            bright > 30,
            "expected the stand-in's text, found {bright} bright pixels"
        );
    }
    assert_eq!(pixel(1152, 300), media, "media's left edge");
    assert_eq!(pixel(1919, 48), media, "media's top-right corner");
    assert_eq!(pixel(1919, 623), media, "media's bottom-right corner");
}

#[test]
fn without_a_runtime_directory_the_demo_makes_its_own_and_removes_it() {
    // Containers, CI runners and chroots have no XDG_RUNTIME_DIR.
    let dir = tempfile::tempdir().expect("a directory for the screenshot");
    let screenshot = dir.path().join("demo.png");
    let output = run_headless_demo(&screenshot, None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let said = stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix("cowl: XDG_RUNTIME_DIR is not set; the demo's sockets are in ")
        })
        .unwrap_or_else(|| panic!("the private directory is announced: {stdout}"));
    let private = Path::new(said.split(" (").next().unwrap_or_default());
    assert!(private.is_absolute(), "{said}");
    assert!(
        stdout.contains(&format!("screenshot written to {}", screenshot.display())),
        "the demo ran to its screenshot: {stdout}"
    );
    assert!(screenshot.exists());
    assert!(!private.exists(), "{} is left behind", private.display());
}
