//! Where Cowl's sockets go when the session gives no runtime directory.
//!
//! Wayland sockets live in `$XDG_RUNTIME_DIR`, which systemd-logind makes for a login
//! session. On the head unit Cowl's unit has one; containers, CI runners and chroots often
//! do not, and there the README's demo would stop at once. So `--demo` alone makes a private
//! runtime directory (mode 0700, in the temporary directory), says so, points
//! `XDG_RUNTIME_DIR` at it for Cowl and the apps it starts, and removes it when Cowl stops.
//! Any other run keeps the clear error from `socket.rs`: a head unit must not put its
//! sockets somewhere the session does not know of.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tracing::{info, warn};

/// A runtime directory Cowl made for itself; removed with everything in it when dropped.
pub struct PrivateRuntimeDir(PathBuf);

impl Drop for PrivateRuntimeDir {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir_all(&self.0) {
            warn!(path = %self.0.display(), "could not remove the private runtime directory: {err}");
        }
    }
}

/// Whether the environment names a usable runtime directory (set, and an absolute path, as
/// libwayland requires).
fn session_has_runtime_dir() -> bool {
    std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).is_absolute())
}

/// For the demo without a session runtime directory: makes a private one and sets
/// `XDG_RUNTIME_DIR` to it. `None` where the session has one.
///
/// Must run before Cowl starts any thread: it changes the process's environment.
pub fn provide_for_demo() -> Result<Option<PrivateRuntimeDir>> {
    if session_has_runtime_dir() {
        return Ok(None);
    }
    let uid = rustix::process::getuid().as_raw();
    let base = std::env::temp_dir();
    let mut attempt = 0u32;
    let path = loop {
        let path = base.join(format!(
            "cowl-runtime-{uid}-{}-{attempt}",
            std::process::id()
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => break path,
            // A directory of an earlier run with the same process id: take the next name.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(err) => {
                return Err(err).with_context(|| {
                    format!(
                        "XDG_RUNTIME_DIR is not set, and the demo could not make a private \
                         runtime directory {}",
                        path.display()
                    )
                });
            }
        }
    };
    // SAFETY: called from `run` before the event loop, the car's loader thread or any other
    // thread exists, so nothing reads the environment while it changes.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", &path) };
    info!(path = %path.display(), "XDG_RUNTIME_DIR is not set: the demo uses a private runtime directory");
    println!(
        "cowl: XDG_RUNTIME_DIR is not set; the demo's sockets are in {} (removed when Cowl stops)",
        path.display()
    );
    Ok(Some(PrivateRuntimeDir(path)))
}
