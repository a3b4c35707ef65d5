//! The integration harness: a real `cowl` process on a private socket in a private
//! XDG_RUNTIME_DIR, real clients started against it, and captures taken with `grim`.
//!
//! Readiness is an event, not a sleep: cowl is started with NOTIFY_SOCKET pointing at a
//! datagram socket of the test and we wait for its `READY=1`. Waiting for a client to show
//! up means taking captures until the pixels say so; every capture is answered after a
//! rendered frame, so the loop is paced by the compositor, and it gives up at a deadline with
//! the compositor's log in the panic message.
#![allow(dead_code)] // Each test binary uses a different part of the harness.

pub mod bus;
pub mod capture;
pub mod client;
pub mod drive;
pub mod flood;
pub mod initramfs;
pub mod peer;
pub mod phone;
pub mod reference;

use std::io::Read;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// An app's binary, built beside cowl (`cargo test --workspace` builds them all).
pub fn app_binary(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_cowl")).with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built: `cargo test --workspace` builds it",
        path.display()
    );
    path
}

/// A 1280x800 head unit with one app: status bar 0..48, the app 48..720, dock 720..800.
pub fn one_app_config(id: &str, name: &str, icon: &str) -> String {
    format!(
        r#"
[[outputs]]
name = "HEADLESS-1"
[outputs.layout]
status_bar = {{ edge = "top", size = 48 }}
dock = {{ edge = "bottom", size = 80 }}

[[apps]]
id = "{id}"
name = "{name}"
icon = "{icon}"
"#
    )
}

/// The uid this test runs as, for `[[apps]] user`: a declared app's windows are honoured
/// only from the process Cowl starts for it or from its configured user (compositor's
/// `identity.rs`), and a test's own clients play the declared apps.
pub fn this_user() -> u32 {
    rustix::process::getuid().as_raw()
}

/// `config` with every declared app that names no user of its own run by this test's user,
/// so that the test's own clients are those apps.
pub fn apps_of_this_user(config: &str) -> String {
    let mut tables = config.split("[[apps]]");
    let mut out = tables.next().unwrap_or_default().to_string();
    for table in tables {
        out.push_str("[[apps]]");
        if !table.contains("\nuser = ") {
            out.push_str(&format!("\nuser = \"{}\"", this_user()));
        }
        out.push_str(table);
    }
    out
}

/// The demo car's DBC file (assets/vehicle).
pub const DEMO_DBC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/vehicle/cowl-demo.dbc"
);

/// Writes the demo DBC to `path` with a syntax error on line 18 (a factor and offset that
/// lose their closing parenthesis), for tests of how a broken DBC is reported.
pub fn write_broken_demo_dbc(path: &Path) {
    let text = std::fs::read_to_string(DEMO_DBC).expect("the demo DBC");
    std::fs::write(path, text.replacen("(0.01,0)", "(0.01,0", 1)).expect("write the DBC");
}

/// The full path of an executable on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The chrome's status bar and dock in the night theme (the default).
pub const NIGHT_PANEL: [u8; 3] = [0x15, 0x1b, 0x23];
/// The same in the day theme.
pub const DAY_PANEL: [u8; 3] = [0xf2, 0xf4, 0xf7];
/// The chrome's covers: "Not available while driving", "not responding", the camera's
/// fallback screen (chrome/panels.rs COVER).
pub const COVER: [u8; 3] = [0x28, 0x28, 0x30];
/// What the test camera (`cowl_testkit::config::GREEN_CAMERA`) shows.
pub const CAMERA: [u8; 3] = [0, 0xc0, 0];
/// The colours test clients draw with `TestClient::draw(0xff0000)` and so on.
pub const RED: [u8; 3] = [0xff, 0, 0];
pub const GREEN: [u8; 3] = [0, 0xff, 0];
pub const BLUE: [u8; 3] = [0, 0, 0xff];

/// How long a test waits for anything (the testkit's, shared by every crate's tests).
pub const DEADLINE: Duration = cowl_testkit::DEADLINE;

pub struct Compositor {
    /// `None` once `wait_for_exit` has reaped it.
    process: Option<Child>,
    runtime_dir: TempDir,
    pub socket: String,
    log_path: PathBuf,
    clients: Mutex<Vec<Child>>,
    captures: Mutex<u32>,
    /// Where cowl's sd_notify messages come, as systemd's notify socket would take them.
    notify: UnixDatagram,
}

impl Compositor {
    /// Starts `cowl --backend headless` with `args` and waits until it is ready.
    pub fn headless(args: &[&str]) -> Compositor {
        let mut all = vec!["--backend", "headless"];
        all.extend_from_slice(args);
        Compositor::start(&all, &[])
    }

    /// Starts `cowl --backend headless` with `args` and this configuration file's text.
    pub fn headless_with_config(config: &str, args: &[&str]) -> Compositor {
        let mut all = vec!["--backend", "headless"];
        all.extend_from_slice(args);
        Compositor::start_with_config(&all, &[], config)
    }

    /// Starts `cowl --backend headless --renderer pixman --output WxH` with this configuration,
    /// `extra` arguments, and D-Bus on a private bus.
    pub fn headless_on_bus(
        bus: &bus::PrivateBus,
        output: &str,
        extra: &[&str],
        config: &str,
    ) -> Compositor {
        Compositor::headless_rendering_on_bus(bus, "pixman", output, extra, config)
    }

    /// Like `headless_on_bus`, with this `--renderer` (the benchmarks run both).
    pub fn headless_rendering_on_bus(
        bus: &bus::PrivateBus,
        renderer: &str,
        output: &str,
        extra: &[&str],
        config: &str,
    ) -> Compositor {
        let mut args = vec![
            "--backend",
            "headless",
            "--renderer",
            renderer,
            "--output",
            output,
        ];
        args.extend_from_slice(extra);
        Compositor::start_with_config(&args, &bus.env(), config)
    }

    /// Starts `cowl` with exactly `args` (plus `--socket`) and extra environment.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Compositor {
        Compositor::start_with_config(args, env, "# empty: every default\n")
    }

    /// Like `start`, with this configuration file's text unless `args` name a `--config`.
    pub fn start_with_config(args: &[&str], env: &[(&str, &str)], config: &str) -> Compositor {
        Compositor::start_limited(args, env, config, None)
    }

    /// Like `start_with_config`, with cowl's limit of open files (soft and hard) set to
    /// `file_limit`, as a unit's LimitNOFILE= would.
    pub fn start_limited(
        args: &[&str],
        env: &[(&str, &str)],
        config: &str,
        file_limit: Option<u64>,
    ) -> Compositor {
        let runtime_dir = private_runtime_dir();
        let socket = "cowl-test".to_string();
        let notify_path = runtime_dir.path().join("notify");
        let notify = UnixDatagram::bind(&notify_path).expect("bind the notify socket");
        notify
            .set_read_timeout(Some(DEADLINE))
            .expect("set a read timeout");
        let log_path = runtime_dir.path().join("cowl.log");
        let log = std::fs::File::create(&log_path).expect("create the log file");

        let mut command = Command::new(env!("CARGO_BIN_EXE_cowl"));
        // The core's tests run on an empty configuration (no panels, black background), so
        // that they do not change with the product's defaults; a test may give its own.
        if !args.contains(&"--config") {
            let path = runtime_dir.path().join("cowl.toml");
            std::fs::write(&path, config).expect("write the test config");
            command.arg("--config").arg(path);
        }
        command
            .args(args)
            .args(["--socket", &socket])
            .env("XDG_RUNTIME_DIR", runtime_dir.path())
            .env("NOTIFY_SOCKET", &notify_path)
            .env("RUST_LOG", "info")
            // The apps cowl starts inherit its environment: a UTF-8 locale as in any session
            // (foot writes a warning line into its window otherwise).
            .env("LC_ALL", "C.UTF-8")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY")
            // No test reaches the developer's session bus; a test that wants D-Bus passes
            // the address of a private one (common::bus).
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            // Nor the bus a developer's shell may name for Cowl (cowl_sdk::bus).
            .env_remove(cowl_sdk::bus::COWL_BUS_ENV)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log);
        for (key, value) in env {
            command.env(key, value);
        }
        if let Some(limit) = file_limit {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec the closure makes one setrlimit system call,
            // which is async-signal-safe, and allocates nothing.
            unsafe {
                command.pre_exec(move || {
                    let limit = rustix::process::Rlimit {
                        current: Some(limit),
                        maximum: Some(limit),
                    };
                    rustix::process::setrlimit(rustix::process::Resource::Nofile, limit)?;
                    Ok(())
                });
            }
        }
        let mut process = command.spawn().expect("start cowl");
        let ready = wait_for_ready_of(&notify, Some(&mut process));
        let compositor = Compositor {
            process: Some(process),
            runtime_dir,
            socket,
            log_path,
            clients: Mutex::new(Vec::new()),
            captures: Mutex::new(0),
            notify,
        };

        if let Err(err) = ready {
            compositor.fail(&format!("cowl never became ready: {err}"));
        }
        compositor
    }

    /// The next sd_notify message cowl sends after READY=1 (as systemd receives them).
    pub fn next_notification(&self) -> String {
        let deadline = Instant::now() + DEADLINE;
        let mut message = [0u8; 512];
        loop {
            match self.notify.recv(&mut message) {
                Ok(len) => {
                    return String::from_utf8_lossy(&message[..len])
                        .trim_end()
                        .to_owned();
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) if Instant::now() < deadline => continue,
                Err(err) => self.fail(&format!("no sd_notify message from cowl: {err}")),
            }
        }
    }

    /// The compositor's process id (for benchmarks that read its memory).
    pub fn pid(&self) -> u32 {
        self.process.as_ref().map_or(0, Child::id)
    }

    pub fn runtime_dir(&self) -> &Path {
        self.runtime_dir.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Panics with the compositor's log, and the logs its test's helpers (the phone
    /// simulator, ...) keep in its runtime directory, so that a failure explains itself.
    /// Fails the test, with the log, unless cowl has logged `text`.
    pub fn assert_logged(&self, text: &str) {
        let log = self.log();
        assert!(log.contains(text), "cowl never logged {text:?}:\n{log}");
    }

    /// Fails the test, with the log, if cowl has logged `text`.
    pub fn assert_not_logged(&self, text: &str) {
        let log = self.log();
        assert!(!log.contains(text), "cowl logged {text:?}:\n{log}");
    }

    pub fn fail(&self, what: &str) -> ! {
        let mut helpers = String::new();
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.runtime_dir())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension().is_some_and(|ext| ext == "log") && *path != self.log_path
            })
            .collect();
        logs.sort();
        for path in logs {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            helpers.push_str(&format!("--- {} ---\n{text}\n", path.display()));
        }
        panic!("{what}\n--- cowl log ---\n{}\n{helpers}", self.log())
    }

    /// A command that talks to this compositor, in a UTF-8 locale as in any desktop session
    /// (foot prints a warning line into the terminal otherwise).
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("LC_ALL", "C.UTF-8")
            .env("XDG_RUNTIME_DIR", self.runtime_dir.path())
            .env("WAYLAND_DISPLAY", &self.socket)
            .env_remove("DISPLAY")
            .stdin(Stdio::null());
        command
    }

    /// The trusted socket beside the public one: its clients (grim for the captures, the
    /// tests' own screencopy and input-method clients) get the privileged globals.
    pub fn trusted_socket_path(&self) -> PathBuf {
        self.runtime_dir
            .path()
            .join(format!("{}-trusted", self.socket))
    }

    /// Like `command`, connected to the trusted socket.
    pub fn trusted_command(&self, program: &str) -> Command {
        let mut command = self.command(program);
        command.env("WAYLAND_DISPLAY", self.trusted_socket_path());
        command
    }

    /// Starts a client that runs until the test ends (or the test kills it).
    pub fn spawn_client(&self, program: &str, args: &[&str]) -> u32 {
        let child = self
            .command(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| self.fail(&format!("could not start {program}: {err}")));
        let pid = child.id();
        self.clients.lock().unwrap().push(child);
        pid
    }

    /// Kills a client started with `spawn_client` and reaps it.
    pub fn kill_client(&self, pid: u32) {
        let mut clients = self.clients.lock().unwrap();
        if let Some(index) = clients.iter().position(|child| child.id() == pid) {
            let mut child = clients.remove(index);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for a clean exit (status 0).
    pub fn terminate(&mut self) {
        let pid = self.process.as_ref().expect("cowl is running").id();
        send_signal(pid, rustix::process::Signal::TERM);
        let exit = self.wait_for_exit();
        if !exit.success() {
            self.fail(&format!("cowl exited with {exit} after SIGTERM"));
        }
    }

    /// Waits for the compositor to exit by itself, up to the deadline.
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let mut process = self.process.take().expect("cowl was already reaped");
        let pid = process.id();
        let (sender, receiver) = std::sync::mpsc::channel();
        // Wait on a helper thread, so that the wait has a deadline without polling.
        std::thread::spawn(move || {
            let _ = sender.send(process.wait());
        });
        match receiver.recv_timeout(DEADLINE) {
            Ok(Ok(status)) => status,
            _ => {
                // Still running: it is ours to stop (the helper thread reaps it then).
                send_signal(pid, rustix::process::Signal::KILL);
                self.fail("cowl did not exit")
            }
        }
    }

    /// Whether the compositor process is still running.
    pub fn is_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(|process| matches!(process.try_wait(), Ok(None)))
    }

    /// A capture of all outputs with `grim`.
    pub fn capture(&self) -> Image {
        self.grim(&[])
    }

    /// A capture of a region, `grim -g "X,Y WxH"`.
    pub fn capture_region(&self, x: i32, y: i32, width: i32, height: i32) -> Image {
        self.grim(&["-g", &format!("{x},{y} {width}x{height}")])
    }

    fn grim(&self, args: &[&str]) -> Image {
        let number = {
            let mut captures = self.captures.lock().unwrap();
            *captures += 1;
            *captures
        };
        let path = self
            .runtime_dir
            .path()
            .join(format!("capture-{number}.ppm"));
        let output = self
            .trusted_command("grim")
            .args(["-t", "ppm"])
            .args(args)
            .arg(&path)
            .output()
            .unwrap_or_else(|err| self.fail(&format!("could not run grim: {err}")));
        if !output.status.success() {
            self.fail(&format!(
                "grim failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let image = Image::read_ppm(&path).unwrap_or_else(|err| self.fail(&err));
        let _ = std::fs::remove_file(&path);
        image
    }

    /// Captures until `predicate` holds, and returns that capture.
    pub fn wait_for_capture(&self, what: &str, predicate: impl Fn(&Image) -> bool) -> Image {
        let start = Instant::now();
        loop {
            let image = self.capture();
            if predicate(&image) {
                return image;
            }
            if start.elapsed() > DEADLINE {
                let path = self.runtime_dir.path().join("last-failed-capture.ppm");
                let _ = image.write_ppm(&path);
                self.fail(&format!("timed out waiting for: {what}"));
            }
        }
    }
}

impl Drop for Compositor {
    fn drop(&mut self) {
        for mut child in self.clients.lock().unwrap().drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// Sends a signal to a process of ours (no `kill` binary needed: minimal images lack it).
pub fn send_signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a valid pid");
    rustix::process::kill_process(pid, signal).expect("send a signal");
}

/// Waits for a `READY=1` datagram (sd_notify) on `notify`, up to `DEADLINE`.
pub fn wait_for_ready(notify: &UnixDatagram) -> Result<(), String> {
    wait_for_ready_of(notify, None)
}

/// Like `wait_for_ready`, and gives up as soon as `process` exits (a refused argument, a
/// crash at start-up) instead of waiting out the deadline.
pub fn wait_for_ready_of(
    notify: &UnixDatagram,
    mut process: Option<&mut std::process::Child>,
) -> Result<(), String> {
    // Short reads, so that an exit is noticed within a fraction of a second.
    notify
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|err| err.to_string())?;
    let deadline = std::time::Instant::now() + DEADLINE;
    let mut message = [0u8; 512];
    loop {
        let len = match notify.recv(&mut message) {
            Ok(len) => len,
            // A signal for another thread of the test landed on this one; wait on.
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if let Some(process) = process.as_deref_mut()
                    && let Ok(Some(status)) = process.try_wait()
                {
                    return Err(format!("it exited ({status})"));
                }
                if std::time::Instant::now() > deadline {
                    return Err(format!("no READY=1 within {DEADLINE:?}"));
                }
                continue;
            }
            Err(err) => return Err(err.to_string()),
        };
        // Other messages (STATUS=..., MAINPID=...) may come first.
        if String::from_utf8_lossy(&message[..len])
            .lines()
            .any(|line| line == "READY=1")
        {
            return Ok(());
        }
    }
}

/// Weston 10's headless backend as a host desktop session, for running cowl nested in it.
pub struct HostWeston {
    process: Child,
    runtime_dir: TempDir,
    log_path: PathBuf,
}

impl HostWeston {
    pub fn start(width: u32, height: u32) -> HostWeston {
        let runtime_dir = private_runtime_dir();
        let notify_path = runtime_dir.path().join("notify");
        let notify = UnixDatagram::bind(&notify_path).expect("bind the notify socket");
        notify
            .set_read_timeout(Some(DEADLINE))
            .expect("set a read timeout");
        let log_path = runtime_dir.path().join("weston.log");
        let log = std::fs::File::create(&log_path).expect("create the weston log");
        let process = Command::new("weston")
            .args([
                "--backend=headless-backend.so",
                "--modules=systemd-notify.so",
                "--socket=host",
                "--idle-time=0",
            ])
            .arg(format!("--width={width}"))
            .arg(format!("--height={height}"))
            .env("XDG_RUNTIME_DIR", runtime_dir.path())
            .env("NOTIFY_SOCKET", &notify_path)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY")
            // No test reaches the developer's session bus; a test that wants D-Bus passes
            // the address of a private one (common::bus).
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log"))
            .stderr(log)
            .spawn()
            .expect("start weston (is the weston package installed?)");
        let host = HostWeston {
            process,
            runtime_dir,
            log_path,
        };
        if let Err(err) = wait_for_ready(&notify) {
            panic!(
                "weston never became ready: {err}\n--- weston log ---\n{}",
                std::fs::read_to_string(&host.log_path).unwrap_or_default()
            );
        }
        host
    }

    /// The host's socket as an absolute path, usable as WAYLAND_DISPLAY from anywhere.
    pub fn socket_path(&self) -> PathBuf {
        self.runtime_dir.path().join("host")
    }
}

impl Drop for HostWeston {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A fresh XDG_RUNTIME_DIR (mode 0700, as clients expect) that the test owns alone.
pub fn private_runtime_dir() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("cowl-test-")
        .tempdir()
        .expect("create a runtime dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod the runtime dir");
    dir
}

/// An RGB capture.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image {}x{}", self.width, self.height)
    }
}

impl Image {
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        assert!(
            x < self.width && y < self.height,
            "({x},{y}) is outside {self:?}"
        );
        let at = (y * self.width + x) * 3;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }

    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Image {
        let mut rgb = Vec::with_capacity(width * height * 3);
        for row in y..y + height {
            let start = (row * self.width + x) * 3;
            rgb.extend_from_slice(&self.rgb[start..start + width * 3]);
        }
        Image { width, height, rgb }
    }

    /// How many different colours a rectangle holds: a drawn client has many, a clear has one.
    pub fn distinct_colours(&self, x: usize, y: usize, width: usize, height: usize) -> usize {
        let mut colours = std::collections::HashSet::new();
        for row in y..y + height {
            for column in x..x + width {
                colours.insert(self.pixel(column, row));
            }
        }
        colours.len()
    }

    /// Whether every pixel of a rectangle is `colour`.
    pub fn is_filled(
        &self,
        x: usize,
        y: usize,
        width: usize,
        height: usize,
        colour: [u8; 3],
    ) -> bool {
        (y..y + height).all(|row| (x..x + width).all(|column| self.pixel(column, row) == colour))
    }

    /// An 8-bit RGB PNG, like the screenshots Cowl writes and the reference images.
    pub fn read_png(path: &Path) -> Result<Image, String> {
        let file = std::fs::File::open(path)
            .map_err(|err| format!("could not read {}: {err}", path.display()))?;
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .map_err(|err| format!("{}: {err}", path.display()))?;
        let mut rgb = vec![0; reader.output_buffer_size()];
        let info = reader
            .next_frame(&mut rgb)
            .map_err(|err| format!("{}: {err}", path.display()))?;
        if info.color_type != png::ColorType::Rgb || info.bit_depth != png::BitDepth::Eight {
            return Err(format!("{}: not 8-bit RGB", path.display()));
        }
        rgb.truncate(info.buffer_size());
        Ok(Image {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        })
    }

    pub fn read_ppm(path: &Path) -> Result<Image, String> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(|err| format!("could not read {}: {err}", path.display()))?;
        // Header: "P6", width, height, maxval, each separated by white space, then one byte.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return Err(format!("{} is not a PPM file", path.display()));
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        at += 1;
        if fields[0] != "P6" || fields[3] != "255" {
            return Err(format!("{} is not an 8-bit P6 PPM", path.display()));
        }
        let width: usize = fields[1].parse().map_err(|_| "bad PPM width".to_string())?;
        let height: usize = fields[2]
            .parse()
            .map_err(|_| "bad PPM height".to_string())?;
        let rgb = bytes
            .get(at..at + width * height * 3)
            .ok_or_else(|| format!("{} is truncated", path.display()))?
            .to_vec();
        Ok(Image { width, height, rgb })
    }

    pub fn write_ppm(&self, path: &Path) -> std::io::Result<()> {
        let mut bytes = format!("P6\n{} {}\n255\n", self.width, self.height).into_bytes();
        bytes.extend_from_slice(&self.rgb);
        std::fs::write(path, bytes)
    }
}

pub const BLACK: [u8; 3] = [0, 0, 0];

/// CLOCK_MONOTONIC now: the clock of presentation feedback and capture timestamps.
pub fn monotonic() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// The `share` (0 to 1) percentile of sorted samples (benchmarks).
pub fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}
