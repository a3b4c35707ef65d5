//! The camera helper's life, seen from Cowl: starting `cowl-camera` with its end of the link
//! on descriptor 3, reading what it sends (frame formats, frames and signs of life, each
//! checked), and replacing a helper that exits, sends anything else, or falls silent (a
//! watchdog), after a delay that grows while it keeps failing. What the frames become on
//! screen is `mod.rs`'s.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::camera::link::{self, HelperMessage, SharedFrames};
use smithay::reexports::calloop::generic::Generic;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{Interest, Mode, PostAction, RegistrationToken};
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
/// A helper that has said nothing this long after it started is stuck starting. Its first
/// word is its first frame's (`Alive`, or the frame itself), so this covers a first boot's
/// GStreamer plugin scan and a camera whose sensor takes seconds to stream: generous.
const FIRST_WORD_WITHIN: Duration = Duration::from_secs(30);
/// Once it has spoken, a helper that sends neither a frame nor `Alive` for this long has a
/// stalled pipeline or hangs itself (`Alive` comes every `link::ALIVE_EVERY`).
const SILENT_AFTER: Duration = Duration::from_secs(3);
/// How often the watchdog looks at the helper.
const WATCHDOG_EVERY: Duration = Duration::from_secs(1);

pub(super) struct Helper {
    child: Child,
    /// Our end of the link, for sending (the event source reads another descriptor of it,
    /// and goes when it returns `PostAction::Remove`).
    socket: OwnedFd,
    /// That event source, for the watchdog to remove.
    reader: RegistrationToken,
    started_at: Instant,
    /// When the helper last sent anything; none: nothing yet.
    heard_from: Option<Instant>,
    delivered: bool,
}

impl Helper {
    /// Tells the helper whether the camera is shown. A helper that no longer reads falls
    /// silent too, and the watchdog replaces it; meanwhile reverse shows the fallback.
    pub(super) fn watch(&self, on: bool) {
        if let Err(err) = link::send_watch(self.socket.as_fd(), on) {
            debug!("could not tell the camera helper: {err}");
        }
    }

    /// Why the watchdog should replace this helper, if it should.
    fn silence(&self, now: Instant) -> Option<String> {
        silence(self.started_at, self.heard_from, now)
    }
}

/// Why a helper started at `started_at` and last heard from at `heard_from` has been silent
/// too long at `now`; none while it has not.
fn silence(started_at: Instant, heard_from: Option<Instant>, now: Instant) -> Option<String> {
    let (since, limit, what) = match heard_from {
        Some(heard) => (heard, SILENT_AFTER, "no frames"),
        None => (started_at, FIRST_WORD_WITHIN, "no first frame"),
    };
    let silent = now.saturating_duration_since(since);
    (silent >= limit).then(|| format!("{what} for {} ms", silent.as_millis()))
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
        let reader = match source {
            Ok(reader) => reader,
            Err(err) => {
                warn!("camera unavailable: {err}");
                self.camera_helper_gone(child);
                self.camera_restart_later();
                return;
            }
        };
        info!(pid = child.id(), "camera helper started");
        self.camera.helper = Some(Helper {
            child,
            socket: sender,
            reader,
            started_at: Instant::now(),
            heard_from: None,
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
            let message = match link::receive_from_helper(socket) {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(err) => return self.camera_helper_failed(&err.to_string()),
            };
            if let Some(helper) = self.camera.helper.as_mut() {
                helper.heard_from = Some(Instant::now());
            }
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
                HelperMessage::Alive => {}
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

    /// The helper's link failed: it is killed, and another is started after the delay. The
    /// link's event source goes with the `PostAction::Remove` returned.
    fn camera_helper_failed(&mut self, reason: &str) -> PostAction {
        if let Some(helper) = self.camera.helper.take() {
            self.camera_helper_lost(helper, reason);
        }
        PostAction::Remove
    }

    /// Starts the watchdog: every `WATCHDOG_EVERY`, a helper that has been silent too long
    /// (a stalled pipeline, a process stopped or stuck in a driver) is replaced, whether
    /// or not the camera is shown, so that the next reverse finds a working one.
    pub(super) fn camera_start_watchdog(&mut self) {
        let watchdog =
            self.loop_handle
                .insert_source(Timer::from_duration(WATCHDOG_EVERY), |_, _, state| {
                    state.camera_check_helper();
                    TimeoutAction::ToDuration(WATCHDOG_EVERY)
                });
        if let Err(err) = watchdog {
            warn!("no watchdog for the camera helper: {err}");
        }
    }

    fn camera_check_helper(&mut self) {
        let Some(reason) = self
            .camera
            .helper
            .as_ref()
            .and_then(|helper| helper.silence(Instant::now()))
        else {
            return;
        };
        if let Some(helper) = self.camera.helper.take() {
            self.loop_handle.remove(helper.reader);
            self.camera_helper_lost(helper, &format!("silent: {reason}"));
        }
    }

    /// Kills a helper that failed, and starts another after the delay.
    fn camera_helper_lost(&mut self, helper: Helper, reason: &str) {
        warn!(
            pid = helper.child.id(),
            reason, "camera helper lost; reverse shows the fallback until another is up"
        );
        if helper.delivered || helper.started_at.elapsed() >= HEALTHY_AFTER {
            self.camera.failures = 0;
        }
        self.camera_helper_gone(helper.child);
        self.camera_restart_later();
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
    let target = link::HELPER_SOCKET_FD;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helper_is_silent_too_long_only_past_its_limit() {
        let started = Instant::now();
        let at = |after: Duration| started + after;
        // Starting: the generous limit for its first word.
        assert_eq!(silence(started, None, at(Duration::from_secs(29))), None);
        assert!(
            silence(started, None, at(FIRST_WORD_WITHIN))
                .is_some_and(|why| why.starts_with("no first frame"))
        );
        // Once it has spoken, the short one, from its last word.
        let heard = Some(at(Duration::from_secs(40)));
        assert_eq!(silence(started, heard, at(Duration::from_secs(42))), None);
        assert!(
            silence(started, heard, at(Duration::from_secs(43)))
                .is_some_and(|why| why.starts_with("no frames"))
        );
        // A clock read before the last word is no silence.
        assert_eq!(silence(started, heard, started), None);
    }
}
