//! Which clients may use the privileged protocols: layer-shell (panels and overlays above
//! apps), wlr-screencopy (reading the screen), input-method and virtual-keyboard (typing
//! into other apps). An app could spoof the chrome, read the driver's messages or type for
//! the driver with them, so only the clients the configuration trusts see those globals:
//! processes Cowl started for an app declared `privileged = true` (and the on-screen
//! keyboard), and processes whose executable is listed in `[security]
//! privileged_executables`. Clients that connect through a security-context-v1 socket (a
//! sandbox) are never privileged, whoever made the socket.
//!
//! Trust is decided once, when the client connects, from the socket's peer credentials.

use std::path::{Path, PathBuf};

use smithay::reexports::wayland_server::Client;

use crate::state::{ClientState, State};

/// Whether a connected client may see the privileged globals.
pub fn is_privileged(client: &Client) -> bool {
    client
        .get_data::<ClientState>()
        .is_some_and(|data| data.privileged)
}

/// Whether a client is outside any sandbox (the security-context manager is only offered to
/// those, so that a sandboxed client cannot make a new, weaker sandbox).
pub fn is_unsandboxed(client: &Client) -> bool {
    client
        .get_data::<ClientState>()
        .is_some_and(|data| data.security_context.is_none())
}

/// The canonical path of a process's executable.
fn executable_of(pid: i32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|path| std::fs::canonicalize(path).ok())
}

impl State {
    /// Whether a client connecting from process `pid` (on our own socket) is trusted.
    pub fn trusts_process(&self, pid: Option<i32>) -> bool {
        let Some(pid) = pid.filter(|pid| *pid > 0) else {
            return false;
        };
        if self.supervisor.is_privileged_pid(pid as u32) {
            return true;
        }
        let Some(executable) = executable_of(pid) else {
            return false;
        };
        self.config
            .security
            .privileged_executables
            .iter()
            .any(|allowed| same_file(Path::new(allowed.get_ref()), &executable))
    }
}

fn same_file(configured: &Path, executable: &Path) -> bool {
    std::fs::canonicalize(configured).is_ok_and(|configured| configured == executable)
}
