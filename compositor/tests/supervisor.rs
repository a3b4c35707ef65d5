//! The app supervisor with a real app: an autostart foot that is killed comes back, in a new
//! process, and shows its window again.

mod common;

use common::{Compositor, Image};

/// foot's `ESC[41m` red.
const FOOT_RED: [u8; 3] = [0xcc, 0x93, 0x93];

fn shows_the_app(image: &Image) -> bool {
    (0..200).any(|x| image.pixel(x, 5) == FOOT_RED)
}

/// The pids the supervisor logged for `app`, in order.
fn started_pids(compositor: &Compositor, app: &str) -> Vec<u32> {
    compositor
        .log()
        .lines()
        .filter(|line| line.contains("started app") && line.contains(app))
        .filter_map(|line| {
            let pid = line.split("pid=").nth(1)?;
            pid.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

#[test]
fn a_crashed_autostart_app_is_restarted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cowl.toml");
    std::fs::write(
        &config,
        r#"[[apps]]
id = "org.cowl.Term"
name = "Terminal"
exec = "foot --app-id org.cowl.Term sh -c \"printf '\\033[41m SUPERVISED \\033[0m\\n'; exec sleep infinity\""
autostart = true
restart = "on-failure"
"#,
    )
    .expect("write the config");
    let compositor = Compositor::start(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--output",
            "640x240",
            "--config",
            config.to_str().expect("utf-8"),
        ],
        &[("LC_ALL", "C.UTF-8")],
    );
    compositor.wait_for_capture("the autostart app to show", shows_the_app);
    let first = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(first.len(), 1, "{}", compositor.log());

    // A crash: the app is killed.
    common::send_signal(first[0], rustix::process::Signal::KILL);
    compositor.wait_for_capture("the killed app's window to go", |image| {
        !shows_the_app(image)
    });
    compositor.wait_for_capture("the app to come back", shows_the_app);
    let pids = started_pids(&compositor, "org.cowl.Term");
    assert_eq!(pids.len(), 2, "one restart: {}", compositor.log());
    assert_ne!(pids[0], pids[1]);
    assert!(compositor.log().contains("app exited; restarting"));
}
