//! The rear camera, Cowl's side. The GStreamer pipeline (`[camera] pipeline`, ending in an
//! appsink named `camera`) runs in the `cowl-camera` helper, a process of Cowl's own
//! (`src/bin/cowl-camera`, linked through `cowl::camera_link`): a camera driver or plugin
//! that crashes takes only the helper down, and Cowl itself never loads GStreamer. The
//! helper is started at start-up and kept running so that reverse never waits for a camera
//! to open; it copies and announces frames only while the camera is shown, so that out of R
//! nothing wakes the loop. While the gear is R the chrome shows the newest frame full screen
//! above everything ([`view`]): black while the first frame is on its way, and a "Camera
//! unavailable" screen when none has come for `CAMERA_TIMEOUT`. A helper that exits, or
//! sends anything but the link's messages, is replaced after a delay that grows while it
//! keeps failing. Nothing here depends on an app or on D-Bus.

pub mod view;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cowl::camera_link::{self, HelperMessage, SharedFrames};
use smithay::reexports::calloop::generic::Generic;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{Interest, Mode, PostAction};
use tracing::{debug, info, warn};

use crate::state::State;

/// With no frame for this long after reverse (or since the last one), the fallback shows.
pub const CAMERA_TIMEOUT: Duration = Duration::from_millis(500);

/// How long frames wait, when reverse begins, for the helper's first frame (it answers
/// within a millisecond or two), before they are drawn black without it.
pub const FIRST_FRAME_WAIT: Duration = Duration::from_millis(20);

/// After a helper fails, the first restart waits this long; each failure in a row doubles
/// it, up to `RESTART_DELAY_MAX`.
const RESTART_DELAY: Duration = Duration::from_millis(500);
const RESTART_DELAY_MAX: Duration = Duration::from_secs(8);
/// A helper that ran this long, or delivered a frame, was healthy: the next failure
/// restarts quickly again.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);
/// Messages read in one go, so that a helper that floods the link cannot hold the loop.
const MESSAGES_PER_WAKEUP: usize = 64;

/// One camera frame: a slot of the helper's shared file.
#[derive(Debug)]
pub struct CameraFrame {
    frames: Arc<SharedFrames>,
    slot: u32,
    /// Counts frames, so that a new one tells itself apart.
    pub sequence: u64,
    /// When the frame reached the helper.
    pub arrived: Instant,
}

impl CameraFrame {
    pub fn width(&self) -> u32 {
        self.frames.format().width
    }

    pub fn height(&self) -> u32 {
        self.frames.format().height
    }

    /// Copies the picture into `dest`, rows of `dest_stride` bytes (4 bytes a pixel, as the
    /// frame's). False when the helper has already written a newer frame over it.
    pub fn copy_into(&self, dest: &mut [u8], dest_stride: usize) -> bool {
        self.frames
            .copy_frame(self.slot, self.sequence, dest, dest_stride)
    }
}

/// What reverse shows.
pub enum CameraPicture {
    Frame(Arc<CameraFrame>),
    /// The camera has just been turned on and its first frame is on its way: black.
    Starting,
    /// "Camera unavailable": no frame for `CAMERA_TIMEOUT`, or no camera.
    Unavailable,
}

#[derive(Default)]
pub struct Camera {
    /// The pipeline the helper runs; none: no camera is configured.
    pipeline: Option<String>,
    helper: Option<Helper>,
    /// Helpers that ended or were killed, until SIGCHLD lets them be reaped.
    ended: Vec<Child>,
    frames: Option<Arc<SharedFrames>>,
    latest: Option<Arc<CameraFrame>>,
    /// When the camera went on screen; none while it is not shown.
    watched_since: Option<Instant>,
    /// Reverse has just begun and the first frame is on its way: redraws wait until then.
    redraws_held_until: Option<Instant>,
    /// Failures in a row, for the restart delay.
    failures: u32,
    restart_pending: bool,
}

struct Helper {
    child: Child,
    /// Our end of the link, for sending (the event source reads another descriptor of it,
    /// and goes when it returns `PostAction::Remove`).
    socket: OwnedFd,
    started_at: Instant,
    delivered: bool,
}

impl Camera {
    /// Tells the helper whether the camera is on screen: only then does it send frames.
    pub fn watch(&mut self, on: bool) {
        self.watched_since = match (on, self.watched_since) {
            (true, None) => Some(Instant::now()),
            (true, since) => since,
            (false, _) => None,
        };
        if !on {
            self.redraws_held_until = None;
            // Out of R the helper sends nothing: the frame kept would only grow stale.
            self.latest = None;
        }
        if let Some(helper) = &self.helper {
            // A helper that no longer reads is noticed when its link closes; meanwhile
            // frames stop and reverse shows the fallback.
            if let Err(err) = camera_link::send_watch(helper.socket.as_fd(), on) {
                debug!("could not tell the camera helper: {err}");
            }
        }
    }

    /// Whether a helper runs that will send a frame now that the camera is shown, none
    /// recent enough to show having come yet.
    fn first_frame_on_its_way(&self) -> bool {
        self.watched_since.is_some() && self.helper.is_some() && self.fresh_frame().is_none()
    }

    /// Whether redraws wait for the camera's first frame (see `State::camera_hold_redraws`).
    pub fn holds_redraws(&self) -> bool {
        self.redraws_held_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// The newest frame, unless it is older than `CAMERA_TIMEOUT`.
    fn fresh_frame(&self) -> Option<&Arc<CameraFrame>> {
        self.latest
            .as_ref()
            .filter(|frame| frame.arrived.elapsed() < CAMERA_TIMEOUT)
    }

    /// Reaps the helpers that have exited (on SIGCHLD).
    pub fn reap(&mut self) {
        self.ended.retain_mut(|child| match child.try_wait() {
            Ok(Some(status)) => {
                info!(%status, "camera helper exited");
                false
            }
            Ok(None) => true,
            Err(err) => {
                warn!("could not check on the camera helper: {err}");
                false
            }
        });
    }
}

/// `cowl-camera` beside our own executable (installed together, and side by side in Cargo's
/// target directory), or `COWL_CAMERA_HELPER`.
fn helper_path() -> PathBuf {
    if let Some(path) = std::env::var_os("COWL_CAMERA_HELPER") {
        return path.into();
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("cowl-camera")))
        .unwrap_or_else(|| "cowl-camera".into())
}

/// Starts the helper for `description`. Without the helper, reverse shows the fallback.
pub fn start(state: &mut State, description: &str) {
    state.camera.pipeline = Some(description.to_string());
    state.camera_spawn_helper();
}

impl State {
    /// Whether the camera is due: the gear is R.
    pub fn reversing(&self) -> bool {
        matches!(
            self.car.store.get(cowl_sdk::vehicle::names::CURRENT_GEAR, self.car_now()),
            Some(cowl::vehicle::properties::PropertyValue::String(gear)) if gear == "R"
        )
    }

    /// Whether the camera is on screen: in R, once the phone projection (if it had the
    /// screen) has let go of it or the handover has timed out.
    pub fn camera_due(&self) -> bool {
        self.reversing() && !self.camera_handing_over()
    }

    /// What reverse shows now: the newest frame unless it is older than `CAMERA_TIMEOUT`;
    /// black while the first one is on its way; else the fallback screen.
    pub fn camera_picture(&self) -> CameraPicture {
        let camera = &self.camera;
        if let Some(frame) = camera.fresh_frame() {
            return CameraPicture::Frame(frame.clone());
        }
        let starting = camera.helper.is_some()
            && camera
                .watched_since
                .is_some_and(|since| since.elapsed() < CAMERA_TIMEOUT);
        if starting {
            CameraPicture::Starting
        } else {
            CameraPicture::Unavailable
        }
    }

    /// Reverse has begun: if the camera's first frame is on its way, redraws wait for it
    /// (`FIRST_FRAME_WAIT` at most). Drawing at once would put a black frame on the next
    /// refresh and the camera only on the one after; whatever asked for a redraw meanwhile
    /// (the status bar's gear) is drawn with the camera.
    pub fn camera_hold_redraws(&mut self) {
        if !self.camera.first_frame_on_its_way() {
            return;
        }
        let wait = Timer::from_duration(FIRST_FRAME_WAIT);
        let released = self.loop_handle.insert_source(wait, |_, _, state| {
            state.camera_release_redraws();
            TimeoutAction::Drop
        });
        match released {
            Ok(_) => self.camera.redraws_held_until = Some(Instant::now() + FIRST_FRAME_WAIT),
            Err(err) => warn!("could not wait for the camera's first frame: {err}"),
        }
    }

    /// The first frame came, or the wait is over: what waited is drawn now.
    fn camera_release_redraws(&mut self) {
        if self.camera.redraws_held_until.take().is_some() {
            self.queue_redraw_all();
        }
    }

    /// Starts a helper, its end of the link on descriptor 3. A failure to start is retried
    /// later, except a helper that is not installed.
    fn camera_spawn_helper(&mut self) {
        let Some(description) = self.camera.pipeline.clone() else {
            return;
        };
        let path = helper_path();
        let (ours, theirs) = match rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::SEQPACKET,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        ) {
            Ok(pair) => pair,
            Err(err) => {
                warn!("camera unavailable: no socket for its helper: {err}");
                self.camera_restart_later();
                return;
            }
        };
        let sender = match ours.try_clone() {
            Ok(sender) => sender,
            Err(err) => {
                warn!("camera unavailable: {err}");
                self.camera_restart_later();
                return;
            }
        };
        let mut command = Command::new(&path);
        command.arg(&description).stdin(Stdio::null());
        crate::supervisor::ends_with_cowl(&mut command);
        let handed_over = theirs.as_raw_fd();
        // SAFETY: runs between fork and exec; dup2 and fcntl are async-signal-safe and
        // allocate nothing.
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(move || hand_over(handed_over));
        }
        let child = match command.spawn() {
            Ok(child) => child,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                warn!(
                    helper = %path.display(),
                    "camera unavailable: its helper is not installed (build it with `cargo build -p cowl --bins`)"
                );
                return;
            }
            Err(err) => {
                warn!(helper = %path.display(), "camera unavailable: its helper does not start: {err}");
                self.camera_restart_later();
                return;
            }
        };
        drop(theirs);
        let source = self.loop_handle.insert_source(
            Generic::new(ours, Interest::READ, Mode::Level),
            |_, socket, state| Ok(state.camera_helper_readable(socket)),
        );
        if let Err(err) = source {
            warn!("camera unavailable: {err}");
            self.camera_helper_gone(child);
            self.camera_restart_later();
            return;
        }
        info!(pid = child.id(), "camera helper started");
        self.camera.helper = Some(Helper {
            child,
            socket: sender,
            started_at: Instant::now(),
            delivered: false,
        });
        if self.camera.watched_since.is_some() {
            self.camera.watch(true);
        }
    }

    /// Reads what the helper sent. Anything but the link's messages, or the link closing,
    /// ends this helper (and this event source) and starts another later.
    fn camera_helper_readable(&mut self, socket: &impl AsFd) -> PostAction {
        let mut new_frame = false;
        for _ in 0..MESSAGES_PER_WAKEUP {
            let message = match camera_link::receive_from_helper(socket) {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(err) => return self.camera_helper_failed(&err.to_string()),
            };
            match message {
                HelperMessage::Format(format, fd) => match SharedFrames::map(fd, format) {
                    Ok(frames) => {
                        debug!(?format, "camera frame format");
                        self.camera.frames = Some(Arc::new(frames));
                    }
                    Err(err) => return self.camera_helper_failed(&err.to_string()),
                },
                HelperMessage::Frame {
                    slot,
                    sequence,
                    age,
                } => {
                    let Some(frames) = self.camera.frames.clone() else {
                        return self.camera_helper_failed("a frame before its format");
                    };
                    if slot >= frames.format().slots {
                        return self.camera_helper_failed("a frame in a slot that is not there");
                    }
                    // A frame sent before the camera was hidden, or older than the clock's
                    // start, is no frame to show.
                    let Some(arrived) = Instant::now().checked_sub(age) else {
                        continue;
                    };
                    if self.camera.watched_since.is_none() {
                        continue;
                    }
                    self.camera.latest = Some(Arc::new(CameraFrame {
                        frames,
                        slot,
                        sequence,
                        arrived,
                    }));
                    if let Some(helper) = self.camera.helper.as_mut() {
                        helper.delivered = true;
                    }
                    new_frame = true;
                }
            }
        }
        if new_frame {
            self.camera_release_redraws();
            if self.camera_due() {
                self.queue_redraw_all();
            }
        }
        PostAction::Continue
    }

    /// The helper's link failed: it is killed, and another is started after the delay.
    fn camera_helper_failed(&mut self, reason: &str) -> PostAction {
        let Some(helper) = self.camera.helper.take() else {
            return PostAction::Remove;
        };
        warn!(
            reason,
            "camera helper lost; reverse shows the fallback until another is up"
        );
        if helper.delivered || helper.started_at.elapsed() >= HEALTHY_AFTER {
            self.camera.failures = 0;
        }
        self.camera_helper_gone(helper.child);
        self.camera_restart_later();
        PostAction::Remove
    }

    /// Kills a helper (if it still runs) and keeps it to be reaped.
    fn camera_helper_gone(&mut self, mut child: Child) {
        let _ = child.kill();
        self.camera.ended.push(child);
        self.camera.reap();
    }

    /// Starts another helper after the restart delay.
    fn camera_restart_later(&mut self) {
        if self.camera.restart_pending {
            return;
        }
        let delay = RESTART_DELAY
            .saturating_mul(1 << self.camera.failures.min(5))
            .min(RESTART_DELAY_MAX);
        self.camera.failures = self.camera.failures.saturating_add(1);
        self.camera.restart_pending = true;
        let restart = self
            .loop_handle
            .insert_source(Timer::from_duration(delay), |_, _, state| {
                state.camera.restart_pending = false;
                info!("restarting the camera helper");
                state.camera_spawn_helper();
                TimeoutAction::Drop
            });
        if let Err(err) = restart {
            self.camera.restart_pending = false;
            warn!("could not schedule the camera helper's restart: {err}");
        }
    }
}

/// In the helper's process, before exec: its end of the link becomes descriptor 3, open
/// across exec (every other descriptor of ours is close-on-exec).
fn hand_over(fd: i32) -> std::io::Result<()> {
    let target = camera_link::HELPER_SOCKET_FD;
    // SAFETY: plain system calls on descriptors this process holds.
    let result = unsafe {
        if fd == target {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, target)
        }
    };
    if result < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}
