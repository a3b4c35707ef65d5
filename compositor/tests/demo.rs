//! The README's demo, headless: `cowl --demo` shows the shell in the shipped layout (the
//! chrome, a foot terminal standing in for navigation and the media app, split), writes a
//! screenshot, prints its path and stops by itself.

mod common;

use std::process::{Command, Stdio};

#[test]
fn headless_demo_writes_a_screenshot_of_the_shell_and_stops() {
    let runtime_dir = common::private_runtime_dir();
    let screenshot = runtime_dir.path().join("demo.png");
    let child = Command::new(env!("CARGO_BIN_EXE_cowl"))
        .args(["--backend", "headless", "--demo", "--screenshot"])
        .arg(&screenshot)
        // The shipped defaults, named so that no /etc/cowl/cowl.toml of this machine counts.
        .arg("--config")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../assets/config/cowl.toml"
        ))
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        // No bus: the media app keeps its night theme whatever the demo car says.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cowl --demo");

    // The helper thread gives the wait a deadline.
    let (sender, receiver) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = match receiver.recv_timeout(common::DEADLINE) {
        Ok(output) => output.expect("collect cowl's output"),
        Err(_) => {
            common::send_signal(pid, rustix::process::Signal::KILL);
            panic!("cowl --demo did not stop by itself");
        }
    };
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
    // drawn by the chrome, and the two stand-in apps split 60/40 in the app area between.
    let navigation = [0x10, 0x22, 0x2e];
    // cowl-media's night background where `cargo test --workspace` built it beside cowl,
    // else the foot stand-in's.
    let media_app_built = std::path::Path::new(env!("CARGO_BIN_EXE_cowl"))
        .with_file_name("cowl-media")
        .exists();
    let media = if media_app_built {
        [0x10, 0x15, 0x1c]
    } else {
        [0x2a, 0x18, 0x30]
    };
    // The demo drive starts by day, and the shipped theme follows the car.
    assert_eq!(pixel(1919, 10), common::DAY_PANEL, "status bar");
    assert_eq!(pixel(1, 700), common::DAY_PANEL, "dock");
    assert_eq!(pixel(1, 47), common::DAY_PANEL, "just above the apps");
    assert_eq!(pixel(1, 623), navigation, "navigation's bottom-left corner");
    assert_eq!(
        pixel(1151, 300),
        navigation,
        "navigation's right edge, at 60%"
    );
    assert_eq!(pixel(1152, 300), media, "media's left edge");
    assert_eq!(pixel(1919, 48), media, "media's top-right corner");
    assert_eq!(pixel(1919, 623), media, "media's bottom-right corner");
    // The banner's first line holds bright text.
    let bright = (48..62)
        .flat_map(|y| (0..400).map(move |x| (x, y)))
        .filter(|&(x, y)| pixel(x, y).iter().all(|&channel| channel > 200))
        .count();
    assert!(
        bright > 30,
        "expected the banner's text, found {bright} bright pixels"
    );
}
