//! Which clients may use the privileged protocols: layer-shell (panels and overlays above
//! apps), wlr-screencopy (reading the screen), input-method and virtual-keyboard (typing
//! into other apps). An app could spoof the chrome, read the driver's messages or type for
//! the driver with them, so only trusted clients see those globals. A client is trusted by
//! how it reached Cowl, never by what it says or which executable it runs (a path can be
//! made to run anything: LD_PRELOAD, or exec after connecting):
//! - the apps declared `privileged = true` and the on-screen keyboard get a connection that
//!   Cowl made for them and handed over when it started them (`WAYLAND_SOCKET`,
//!   `supervisor.rs`);
//! - clients of the trusted socket beside the public one, which only Cowl's own user and
//!   root may use (`socket.rs`): a screenshot tool, the tests' captures.
//!
//! Clients that connect through a security-context-v1 socket (a sandbox) are never
//! privileged, whoever made the socket. Trust is decided once, when the client connects.

use smithay::reexports::wayland_server::Client;

use crate::state::ClientState;

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
