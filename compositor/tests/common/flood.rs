//! Hostile clients of our own that open many windows: `open_windows` opens a number of
//! toplevels and says whether the compositor let it keep them; a `Flooder` opens them and
//! commits all of them in a loop, on a thread, until told to stop.
//!
//! The Flooder writes as fast as the compositor reads: on wayland-rs's own server, which read
//! one client until its socket was empty, another client's round trip waited past a minute
//! (issue 26, item 8). Cowl dispatches through libwayland's server now;
//! `robustness.rs` and the `flood_round_trip` benchmark keep it so.

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use wayland_client::Connection;
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_compositor, wl_registry, wl_surface};
use wayland_protocols::xdg::shell::client::{xdg_surface, xdg_toplevel, xdg_wm_base};

/// What the flooding client's dispatch keeps.
#[derive(Default)]
struct FloodState;

/// A flooding client's thread.
pub struct Flooder {
    stop: Arc<AtomicBool>,
    commits: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
    /// How the client ended, sent by its thread when it does.
    ended: std::sync::mpsc::Receiver<Result<(), String>>,
}

impl Flooder {
    /// Connects to `socket`, makes `windows` toplevels (app_ids `org.flood.N`) and commits
    /// them all, again and again, until `stop`. The client's end says why it ended: `Ok`
    /// when stopped, `Err` with the compositor's protocol error when it was disconnected.
    pub fn start(socket: &std::path::Path, windows: usize) -> Flooder {
        let stream = UnixStream::connect(socket).expect("connect the flooding client");
        let stop = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(AtomicU64::new(0));
        let (end, ended) = std::sync::mpsc::channel();
        let thread = {
            let stop = stop.clone();
            let commits = commits.clone();
            std::thread::spawn(move || {
                let _ = end.send(flood(stream, windows, &stop, &commits));
            })
        };
        Flooder {
            stop,
            commits,
            thread: Some(thread),
            ended,
        }
    }

    /// Waits (up to the harness's deadline) for the compositor to disconnect this client;
    /// its protocol error, or `None` if it was never disconnected.
    pub fn disconnected(self) -> Option<String> {
        match self.ended.recv_timeout(super::DEADLINE) {
            Ok(Err(error)) => Some(error),
            _ => None,
        }
    }

    /// Commits sent so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Stops flooding; how the client ended.
    pub fn stop(mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.ended
            .try_recv()
            .unwrap_or(Err("the flood ended without a word".into()))
    }
}

impl Drop for Flooder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens `windows` toplevels on a new connection, commits them and waits for the
/// compositor's answer (a round trip): `Err` with the protocol error that disconnected the
/// client, if one did.
pub fn open_windows(socket: &std::path::Path, windows: usize) -> Result<(), String> {
    let stream = UnixStream::connect(socket).map_err(|err| err.to_string())?;
    let (connection, mut queue, _windows) = connect_with_windows(stream, windows)?;
    queue.roundtrip(&mut FloodState).map(|_| ()).map_err(|err| {
        connection
            .protocol_error()
            .map(|error| format!("{}: {}", error.object_interface, error.message))
            .unwrap_or_else(|| err.to_string())
    })
}

/// A toplevel's objects, kept alive as long as the client wants the window.
type Toplevel = (
    wl_surface::WlSurface,
    xdg_surface::XdgSurface,
    xdg_toplevel::XdgToplevel,
);

/// Connects on `stream` and opens `windows` toplevels (app_ids `org.flood.N`), each
/// committed once.
fn connect_with_windows(
    stream: UnixStream,
    windows: usize,
) -> Result<
    (
        Connection,
        wayland_client::EventQueue<FloodState>,
        Vec<Toplevel>,
    ),
    String,
> {
    let connection = Connection::from_socket(stream).map_err(|err| err.to_string())?;
    let (globals, queue) =
        registry_queue_init::<FloodState>(&connection).map_err(|err| err.to_string())?;
    let handle = queue.handle();
    let compositor: wl_compositor::WlCompositor = globals
        .bind(&handle, 4..=5, ())
        .map_err(|err| err.to_string())?;
    let wm_base: xdg_wm_base::XdgWmBase = globals
        .bind(&handle, 1..=6, ())
        .map_err(|err| err.to_string())?;
    let toplevels = (0..windows)
        .map(|index| {
            let surface = compositor.create_surface(&handle, ());
            let xdg_surface = wm_base.get_xdg_surface(&surface, &handle, ());
            let toplevel = xdg_surface.get_toplevel(&handle, ());
            toplevel.set_app_id(format!("org.flood.{index}"));
            surface.commit();
            (surface, xdg_surface, toplevel)
        })
        .collect();
    Ok((connection, queue, toplevels))
}

fn flood(
    stream: UnixStream,
    windows: usize,
    stop: &AtomicBool,
    commits: &AtomicU64,
) -> Result<(), String> {
    let (connection, mut queue, surfaces) = connect_with_windows(stream, windows)?;
    let mut state = FloodState;
    let ended = |connection: &Connection, err: String| {
        Err(connection
            .protocol_error()
            .map(|error| {
                format!(
                    "{}@{} error {}: {}",
                    error.object_interface, error.object_id, error.code, error.message
                )
            })
            .unwrap_or(err))
    };
    while !stop.load(Ordering::Relaxed) {
        for (surface, _, _) in &surfaces {
            surface.commit();
        }
        commits.fetch_add(surfaces.len() as u64, Ordering::Relaxed);
        // As fast as the socket takes them: when it is full, the client waits until it
        // takes more (100 ms at most) and goes on.
        if let Err(err) = connection.flush() {
            match err {
                wayland_client::backend::WaylandError::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock =>
                {
                    wait_writable(&connection);
                }
                err => return ended(&connection, err.to_string()),
            }
        }
        // Read what the compositor sends (configures), so that its buffer to us never fills.
        if let Some(guard) = queue.prepare_read()
            && let Err(err) = guard.read()
        {
            match err {
                wayland_client::backend::WaylandError::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock => {}
                err => return ended(&connection, err.to_string()),
            }
        }
        if let Err(err) = queue.dispatch_pending(&mut state) {
            return ended(&connection, err.to_string());
        }
        // A client that is disconnected while its buffers are full may not be told why, nor
        // see the end of the stream while it still has events to read: the hang-up is what
        // says it is over.
        if hung_up(&connection) {
            return ended(&connection, "the compositor hung up".into());
        }
    }
    Ok(())
}

/// Waits until the connection takes more, 100 ms at most.
fn wait_writable(connection: &Connection) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let backend = connection.backend();
    let fd = backend.poll_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    let _ = poll(&mut fds, Some(&timeout));
}

/// Whether the compositor closed its end of the connection.
fn hung_up(connection: &Connection) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let backend = connection.backend();
    let fd = backend.poll_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    poll(&mut fds, Some(&zero)).is_ok() && fds[0].revents().contains(PollFlags::HUP)
}

wayland_client::delegate_noop!(FloodState: ignore wl_compositor::WlCompositor);
wayland_client::delegate_noop!(FloodState: ignore wl_surface::WlSurface);
wayland_client::delegate_noop!(FloodState: ignore xdg_toplevel::XdgToplevel);

wayland_client::delegate_dispatch!(FloodState: [wl_registry::WlRegistry: GlobalListContents] => cowl_testkit::wayland::Globals);
wayland_client::delegate_dispatch!(FloodState: [xdg_wm_base::XdgWmBase: ()] => cowl_testkit::wayland::Pong);
wayland_client::delegate_dispatch!(FloodState: [xdg_surface::XdgSurface: ()] => cowl_testkit::wayland::AckConfigure);
