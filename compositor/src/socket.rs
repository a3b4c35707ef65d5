//! The listening Wayland sockets and the readiness announcement.
//!
//! Owns the translation of socket errors into messages an integrator can act on (no runtime
//! dir, name taken), accepting clients without ever ending the event loop, and the sd_notify
//! `READY=1` that lets systemd order the apps after us (sent when startup.rs judges Cowl
//! ready).
//!
//! Two sockets listen: the public one (`wayland-0`, for the apps) and beside it the trusted
//! one (`wayland-0-trusted`), whose clients get the privileged globals (`trust.rs`). The
//! trusted socket's file is only its owner's (mode 0600), and a connection on it from any
//! user other than Cowl's own and root is closed: processes of those users can already read
//! and change Cowl's memory, so trusting them gives nobody anything new.
//!
//! A client that opens connections until Cowl runs out of file descriptors must not take
//! Cowl down (smithay's listening source ends the loop on any accept error), nor starve the
//! clients it has: a buffer, a keymap or a dmabuf each arrive as a descriptor. So a
//! connection whose descriptor lands in the top `reserve` of the limit is closed at once
//! (descriptors are handed out lowest first, so its number says how many are open), and on
//! EMFILE and its kin the socket is left alone for `ACCEPT_BACKOFF`. Either is logged at
//! most once a second. At start-up the soft limit of open files is raised to the hard limit
//! (`raise_file_limit`); the children Cowl starts get the old one back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Result, anyhow};
use smithay::reexports::calloop::generic::Generic;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{Interest, LoopHandle, Mode, PostAction, RegistrationToken};
use smithay::reexports::wayland_server::{BindError, ListeningSocket};
use tracing::{info, warn};

use crate::state::State;

/// How long the socket is left alone after an accept failed for want of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The soft limit of open files Cowl started with (0: not raised), for its children.
static ORIGINAL_FILE_LIMIT: AtomicU64 = AtomicU64::new(0);

/// How many descriptors are kept for the clients Cowl has: an eighth of the limit, at least
/// 32 and at most 1024.
fn reserve(limit: u64) -> u64 {
    (limit / 8).clamp(32, 1024)
}

/// Whether a new connection's descriptor lies in the reserve: it is refused.
fn in_reserve(stream: &std::os::unix::net::UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current else {
        return false;
    };
    let descriptor = u64::try_from(stream.as_raw_fd()).unwrap_or(u64::MAX);
    descriptor.saturating_add(reserve(limit)) >= limit
}

/// Whether a warning about refused clients may be logged now (at most once a second).
fn may_warn_again() -> bool {
    static LAST: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
    let Ok(mut last) = LAST.lock() else {
        return false;
    };
    let now = std::time::Instant::now();
    if last.is_some_and(|last| now.duration_since(last) < Duration::from_secs(1)) {
        return false;
    }
    *last = Some(now);
    true
}

/// Raises the soft limit of open files to the hard limit: systemd's default soft limit
/// (1024) is what a client flooding the socket runs into first.
pub fn raise_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let (Some(current), Some(maximum)) = (limit.current, limit.maximum) else {
        return;
    };
    if current >= maximum {
        return;
    }
    let raised = rustix::process::Rlimit {
        current: Some(maximum),
        maximum: Some(maximum),
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => ORIGINAL_FILE_LIMIT.store(current, Ordering::Relaxed),
        Err(err) => warn!("could not raise the limit of open files: {err}"),
    }
}

/// In a child between fork and exec: the soft limit of open files Cowl started with (some
/// programs size tables by it, or use select()). Only async-signal-safe calls.
pub fn restore_file_limit_in_child() -> std::io::Result<()> {
    let original = ORIGINAL_FILE_LIMIT.load(Ordering::Relaxed);
    if original == 0 {
        return Ok(());
    }
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let restored = rustix::process::Rlimit {
        current: Some(original),
        maximum: limit.maximum,
    };
    rustix::process::setrlimit(rustix::process::Resource::Nofile, restored)?;
    Ok(())
}

/// Whether an accept error means the process (or system) is out of descriptors or memory:
/// it passes once clients leave, so the socket waits rather than spins.
fn is_exhaustion(err: &std::io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// Accepts clients on `socket` from the event loop, handing each to `accepted`.
pub fn watch(
    loop_handle: &LoopHandle<'static, State>,
    socket: ListeningSocket,
    accepted: fn(&mut State, std::os::unix::net::UnixStream),
) -> Result<RegistrationToken> {
    loop_handle
        .insert_source(
            Generic::new(socket, Interest::READ, Mode::Level),
            move |_, socket, state| {
                loop {
                    match socket.accept() {
                        Ok(Some(stream)) if in_reserve(&stream) => {
                            if may_warn_again() {
                                warn!(
                                    "refusing Wayland clients: Too many open files (the last \
                                     {} descriptors are kept for the clients connected)",
                                    reserve(
                                        rustix::process::getrlimit(
                                            rustix::process::Resource::Nofile
                                        )
                                        .current
                                        .unwrap_or_default()
                                    )
                                );
                            }
                        }
                        Ok(Some(stream)) => accepted(state, stream),
                        Ok(None) => return Ok(PostAction::Continue),
                        Err(err) if is_exhaustion(&err) => {
                            state.pause_accepting(&err);
                            return Ok(PostAction::Disable);
                        }
                        // A connection that went away before it was taken, and the like:
                        // that one is lost, the next may come.
                        Err(err) => {
                            warn!("could not accept a Wayland client: {err}");
                            return Ok(PostAction::Continue);
                        }
                    }
                }
            },
        )
        .map_err(|err| anyhow!("could not watch the Wayland socket: {err}"))
}

impl State {
    /// Out of descriptors: the socket waits `ACCEPT_BACKOFF`, then is watched again. Said
    /// once a pause, so a flood cannot fill the log.
    fn pause_accepting(&mut self, err: &std::io::Error) {
        if may_warn_again() {
            warn!(
                "could not accept a Wayland client: {err}; serving the clients connected, \
                 accepting again in {} ms",
                ACCEPT_BACKOFF.as_millis()
            );
        }
        let resumed =
            self.loop_handle
                .insert_source(Timer::from_duration(ACCEPT_BACKOFF), |_, _, state| {
                    for token in &state.listening_sockets {
                        if let Err(err) = state.loop_handle.enable(token) {
                            warn!("could not watch the Wayland socket again: {err}");
                        }
                    }
                    TimeoutAction::Drop
                });
        if let Err(err) = resumed {
            warn!("could not time the Wayland socket's pause: {err}");
        }
    }
}

/// Binds `$XDG_RUNTIME_DIR/NAME`, or the first free `wayland-N` when no name is given.
pub fn bind(name: Option<&str>) -> Result<ListeningSocket> {
    let result = match name {
        Some(name) => ListeningSocket::bind(name),
        None => ListeningSocket::bind_auto("wayland", 0..33),
    };
    result.map_err(|err| {
        let wanted = name.unwrap_or("wayland-N");
        match err {
            BindError::RuntimeDirNotSet => anyhow!(
                "XDG_RUNTIME_DIR is not set or not an absolute path: it must name the directory \
                 where the Wayland socket {wanted} is created"
            ),
            BindError::AlreadyInUse => anyhow!(
                "the Wayland socket {wanted} in XDG_RUNTIME_DIR is taken by another compositor \
                 (choose another with --socket NAME)"
            ),
            BindError::PermissionDenied => {
                anyhow!("permission denied creating the Wayland socket {wanted} in XDG_RUNTIME_DIR")
            }
            BindError::Io(io) => anyhow!("could not create the Wayland socket {wanted}: {io}"),
        }
    })
}

/// The trusted socket's name beside the public socket `public_name`.
pub fn trusted_name(public_name: &str) -> String {
    format!("{public_name}-trusted")
}

/// Binds the trusted socket beside the public socket `public_name` and makes its file its
/// owner's alone (the peer's user is checked at every connection too, `may_be_trusted`).
pub fn bind_trusted(public_name: &str) -> Result<ListeningSocket> {
    use std::os::unix::fs::PermissionsExt;
    let name = trusted_name(public_name);
    let socket = bind(Some(&name))?;
    let path = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default()
        .join(&name);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|err| anyhow!("could not make {} Cowl's alone: {err}", path.display()))?;
    Ok(socket)
}

/// Whether a connection on the trusted socket comes from Cowl's own user or root; any
/// other is logged (at most once a second) and is to be closed.
pub fn may_be_trusted(stream: &std::os::unix::net::UnixStream) -> bool {
    let ours = rustix::process::geteuid();
    match rustix::net::sockopt::socket_peercred(stream) {
        Ok(credentials) if credentials.uid == ours || credentials.uid.is_root() => true,
        Ok(credentials) => {
            if may_warn_again() {
                warn!(
                    uid = credentials.uid.as_raw(),
                    "refusing a client on the trusted Wayland socket: only Cowl's own user \
                     and root may connect there"
                );
            }
            false
        }
        Err(err) => {
            warn!("refusing a client on the trusted Wayland socket: no credentials: {err}");
            false
        }
    }
}

/// Logs the socket name and tells systemd we are ready.
pub fn announce_ready(socket_name: &str) {
    info!(socket = socket_name, "listening on Wayland socket");
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(err) = sd_notify::notify(false, &[sd_notify::NotifyState::Ready])
    {
        warn!("could not send READY=1 to systemd: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_an_eighth_of_the_limit_within_bounds() {
        assert_eq!(reserve(96), 32);
        assert_eq!(reserve(1024), 128);
        assert_eq!(reserve(524_288), 1024);
    }

    #[test]
    fn descriptors_exhausted_are_told_apart_from_a_lost_connection() {
        assert!(is_exhaustion(&std::io::Error::from_raw_os_error(
            libc::EMFILE
        )));
        assert!(is_exhaustion(&std::io::Error::from_raw_os_error(
            libc::ENFILE
        )));
        assert!(!is_exhaustion(&std::io::Error::from_raw_os_error(
            libc::ECONNABORTED
        )));
    }
}
