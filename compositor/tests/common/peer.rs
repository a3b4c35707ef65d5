//! Cowl and its peer, Weston 10, started the same way for the benchmarks that compare them
//! side by side in one run: headless on one output, with the renderer asked for, ready when
//! they say READY=1 (Weston through its systemd-notify module), with clients started on
//! their socket, their CPU time and resident memory read from /proc.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Cowl,
    Weston,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    Pixman,
    Gl,
}

pub struct Running {
    pub process: Child,
    _runtime_dir: tempfile::TempDir,
    pub runtime_path: PathBuf,
    pub socket: PathBuf,
    clients: Vec<Child>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for client in &mut self.clients {
            let _ = client.kill();
            let _ = client.wait();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Starts `peer` headless on one `width`x`height` output with `renderer`; Cowl with the
/// configuration `cowl_config`. Returns once it is ready, with the time from exec to ready.
pub fn start(
    peer: Peer,
    renderer: Renderer,
    (width, height): (u32, u32),
    cowl_config: &str,
) -> (Running, Duration) {
    let runtime_dir = super::private_runtime_dir();
    let runtime_path = runtime_dir.path().to_path_buf();
    let notify_path = runtime_path.join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("notify socket");
    notify
        .set_read_timeout(Some(super::DEADLINE))
        .expect("timeout");
    let mut command = match peer {
        Peer::Cowl => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_cowl"));
            command.args(["--backend", "headless", "--socket", "bench"]);
            command.args(["--output", &format!("{width}x{height}")]);
            command.args([
                "--renderer",
                match renderer {
                    Renderer::Pixman => "pixman",
                    Renderer::Gl => "gles",
                },
            ]);
            // The shipped configuration, plus the probe as a popup-role app: Cowl shows one
            // main app at a time, and the probe must stay on screen to count frames.
            let config = runtime_path.join("cowl.toml");
            std::fs::write(&config, cowl_config).expect("write the bench config");
            command.arg("--config").arg(&config);
            command.env("RUST_LOG", "warn");
            command
        }
        Peer::Weston => {
            let mut command = Command::new("weston");
            command.args([
                "--backend=headless-backend.so",
                "--modules=systemd-notify.so",
                "--socket=bench",
                "--idle-time=0",
                "--no-config",
            ]);
            command
                .arg(format!("--width={width}"))
                .arg(format!("--height={height}"));
            command.arg(match renderer {
                Renderer::Pixman => "--use-pixman",
                Renderer::Gl => "--use-gl",
            });
            command
        }
    };
    command
        .env("XDG_RUNTIME_DIR", &runtime_path)
        .env("NOTIFY_SOCKET", &notify_path)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let exec = Instant::now();
    let process = command.spawn().expect("start the compositor");
    super::wait_for_ready(&notify).expect("the compositor became ready");
    let ready = exec.elapsed();
    let socket = runtime_path.join("bench");
    (
        Running {
            process,
            _runtime_dir: runtime_dir,
            runtime_path,
            socket,
            clients: Vec::new(),
        },
        ready,
    )
}

/// Cowl's shipped configuration less the rear camera's pipeline: Weston has none, and the
/// shipped demo's, a live videotestsrc kept playing from start-up so that reverse never
/// waits for it, costs about 50 ms of CPU a second by itself (reverse_latency measures the
/// camera).
pub fn shipped_config_without_camera() -> String {
    include_str!("../../../assets/config/cowl.toml")
        .lines()
        .filter(|line| !line.starts_with("pipeline = "))
        .map(|line| format!("{line}\n"))
        .collect()
}

impl Running {
    /// The clients whose memory both compositors hold in the comparisons: an animating
    /// weston-simple-shm and an idle foot. Returns simple-shm's number (`kill`).
    pub fn spawn_memory_clients(&mut self) -> usize {
        let shm = self.spawn("weston-simple-shm", &[]);
        self.spawn(
            "foot",
            &[
                "sh",
                "-c",
                "printf 'benchmark: foot is idle\\n'; exec sleep infinity",
            ],
        );
        shm
    }

    /// Starts a client on its socket that runs until killed or until it is dropped.
    pub fn spawn(&mut self, program: &str, args: &[&str]) -> usize {
        let child = Command::new(program)
            .args(args)
            .env("XDG_RUNTIME_DIR", &self.runtime_path)
            .env("WAYLAND_DISPLAY", &self.socket)
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a client");
        self.clients.push(child);
        self.clients.len() - 1
    }

    /// Kills the client `spawn` numbered `index`.
    pub fn kill(&mut self, index: usize) {
        let _ = self.clients[index].kill();
        let _ = self.clients[index].wait();
    }

    /// CPU time of every thread of the compositor (llvmpipe renders on threads of its own).
    pub fn cpu_time(&self) -> Duration {
        let tasks = format!("/proc/{}/task", self.process.id());
        let mut nanoseconds = 0u64;
        for task in std::fs::read_dir(tasks).expect("read tasks").flatten() {
            if let Ok(schedstat) = std::fs::read_to_string(task.path().join("schedstat")) {
                nanoseconds += schedstat
                    .split_whitespace()
                    .next()
                    .and_then(|field| field.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        Duration::from_nanos(nanoseconds)
    }

    /// Its resident memory by what holds it, from /proc/PID/smaps: (what, KiB), largest
    /// first; the parts add up to VmRSS.
    pub fn rss_breakdown(&self) -> Vec<(String, u64)> {
        let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", self.process.id()))
            .expect("read smaps");
        let mut parts: std::collections::BTreeMap<String, u64> = Default::default();
        let mut what = String::new();
        for line in smaps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // A mapping's header: address range, perms, offset, device, inode, [path].
            if fields.first().is_some_and(|range| range.contains('-')) && fields.len() >= 5 {
                what = memory_part(&fields[5..].join(" "));
            } else if let ["Rss:", kib, "kB"] = fields.as_slice() {
                *parts.entry(what.clone()).or_default() += kib.parse::<u64>().unwrap_or(0);
            }
        }
        let mut parts: Vec<(String, u64)> = parts.into_iter().filter(|(_, kib)| *kib > 0).collect();
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        parts
    }

    /// Its resident memory (VmRSS).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))
            .expect("read status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

/// What a mapping of a process is, for a breakdown of its memory: the heap, anonymous
/// memory, shared memory (the clients' wl_shm pools, memfds), fonts, or a library or
/// executable by file name.
fn memory_part(path: &str) -> String {
    let path = path.trim();
    if path.is_empty() {
        return "anonymous (large allocations, thread stacks)".into();
    }
    if path == "[heap]" {
        return "heap (malloc)".into();
    }
    if path.starts_with('[') {
        return "stack, vdso".into();
    }
    if path.contains("memfd:") || path.starts_with("/dev/shm") || path.ends_with("(deleted)") {
        return "shared memory (client buffers, memfds)".into();
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if [".ttf", ".otf", ".ttc"]
        .iter()
        .any(|ending| name.ends_with(ending))
    {
        return "fonts".into();
    }
    if name.contains(".so") {
        // libfoo.so.1.2.3 -> libfoo
        return name.split(".so").next().unwrap_or(name).to_string();
    }
    name.to_string()
}
