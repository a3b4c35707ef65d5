//! The listening Wayland socket and the readiness announcement.
//!
//! Owns the translation of socket errors into messages an integrator can act on (no runtime
//! dir, name taken) and the sd_notify `READY=1` that lets systemd order the apps after us
//! (sent when startup.rs judges Cowl ready).

use anyhow::{Result, anyhow};
use smithay::reexports::wayland_server::BindError;
use smithay::wayland::socket::ListeningSocketSource;
use tracing::{info, warn};

/// Binds `$XDG_RUNTIME_DIR/NAME`, or the first free `wayland-N` when no name is given.
pub fn bind(name: Option<&str>) -> Result<ListeningSocketSource> {
    let result = match name {
        Some(name) => ListeningSocketSource::with_name(name),
        None => ListeningSocketSource::new_auto(),
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

/// Logs the socket name and tells systemd we are ready.
pub fn announce_ready(socket_name: &str) {
    info!(socket = socket_name, "listening on Wayland socket");
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(err) = sd_notify::notify(false, &[sd_notify::NotifyState::Ready])
    {
        warn!("could not send READY=1 to systemd: {err}");
    }
}
