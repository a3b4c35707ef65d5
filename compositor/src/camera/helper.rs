//! The camera helper's life, seen from Cowl: starting `cowl-camera` with its end of the link
//! on descriptor 3, reading what it sends (frame formats and frames, each checked), and
//! replacing a helper that exits or sends anything else, after a delay that grows while it
//! keeps failing. What the frames become on screen is `mod.rs`'s.

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

use super::{Camera, CameraFrame};
use crate::state::State;

/// After a helper fails, the first restart waits this long; each failure in a row doubles
/// it, up to `RESTART_DELAY_MAX`.
const RESTART_DELAY: Duration = Duration::from_millis(500);
const RESTART_DELAY_MAX: Duration = Duration::from_secs(8);
/// A helper that ran this long, or delivered a frame, was healthy: the next failure
/// restarts quickly again.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);
/// Messages read in one go, so that a helper that floods the link cannot hold the loop.
const MESSAGES_PER_WAKEUP: usize = 64;

pub(super) struct Helper {
    child: Child,
    /// Our end of the link, for sending (the event source reads another descriptor of it,
    /// and goes when it returns `PostAction::Remove`).
    socket: OwnedFd,
    started_at: Instant,
    delivered: bool,
}

impl Helper {
    /// Tells the helper whether the camera is shown. A helper that no longer reads is
    /// noticed when its link closes; meanwhile frames stop and reverse shows the fallback.
    pub(super) fn watch(&self, on: bool) {
        if let Err(err) = camera_link::send_watch(self.socket.as_fd(), on) {
            debug!("could not tell the camera helper: {err}");
        }
    }
}

impl Camera {
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

impl State {
    /// Starts a helper, its end of the link on descriptor 3. A failure to start is retried
    /// later, except a helper that is not installed.
    pub(super) fn camera_spawn_helper(&mut self) {
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
