//! xdg_wm_base through smithay's, with the checks xdg-shell asks of `get_xdg_surface` that
//! smithay 0.7 leaves out. A client that breaks them is disconnected with the protocol's
//! error, alone:
//! - the wl_surface already has a role that is not xdg-shell's (a subsurface, a layer
//!   surface, a cursor): `role`. smithay refuses it only later, at `get_toplevel`, which a
//!   client may never send, leaving an xdg_surface over a subsurface;
//! - a fresh wl_surface (no role yet) with a buffer attached or shown: `invalid_surface_state`.
//!   A window's first picture must come after its first configure, so that it is drawn at
//!   the size Cowl placed it at. A surface that was a window before may come back with the
//!   picture it had (toolkits reuse their wl_surface when they show a window again), so
//!   only one that never had a role is held to it.
//!
//! Not checked: a buffer attached to an xdg_surface before its first configure
//! (`unconfigured_buffer`). Raising it needs the xdg_surface object at wl_surface.attach,
//! and smithay 0.7 keeps the surface-to-xdg_surface link private; Cowl shows such a window
//! as it is (`shell/resize_deadline.rs`), so the rule protects nothing a driver sees.

use smithay::backend::renderer::utils::with_renderer_surface_state;
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_toplevel::XdgToplevel;
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_wm_base::{self, XdgWmBase};
use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::reexports::wayland_server::{
    Client, DataInit, Dispatch, DisplayHandle, Resource, delegate_dispatch,
    delegate_global_dispatch,
};
use smithay::wayland::compositor::{BufferAssignment, SurfaceAttributes, get_role, with_states};
use smithay::wayland::shell::xdg::{
    XDG_POPUP_ROLE, XDG_TOPLEVEL_ROLE, XdgShellState, XdgShellSurfaceUserData, XdgWmBaseUserData,
};

use crate::state::State;

delegate_global_dispatch!(State: [XdgWmBase: ()] => XdgShellState);
delegate_dispatch!(State: [XdgToplevel: XdgShellSurfaceUserData] => XdgShellState);
// xdg_positioner, xdg_surface and xdg_popup: xdg_positioner.rs.

impl Dispatch<XdgWmBase, XdgWmBaseUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        wm_base: &XdgWmBase,
        request: xdg_wm_base::Request,
        data: &XdgWmBaseUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        if let xdg_wm_base::Request::GetXdgSurface { surface, .. } = &request
            && let Some((error, message)) = refusal(surface)
        {
            // The new xdg_surface is left uninitialised: the error ends the client.
            wm_base.post_error(error, message);
            return;
        }
        <XdgShellState as Dispatch<XdgWmBase, XdgWmBaseUserData, State>>::request(
            state, client, wm_base, request, data, dh, data_init,
        );
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        wm_base: &XdgWmBase,
        data: &XdgWmBaseUserData,
    ) {
        <XdgShellState as Dispatch<XdgWmBase, XdgWmBaseUserData, State>>::destroyed(
            state, client, wm_base, data,
        );
    }
}

/// Why `surface` may not become an xdg_surface, if it may not.
fn refusal(surface: &WlSurface) -> Option<(xdg_wm_base::Error, &'static str)> {
    match get_role(surface) {
        Some(XDG_TOPLEVEL_ROLE | XDG_POPUP_ROLE) => None,
        Some(_) => Some((
            xdg_wm_base::Error::Role,
            "the wl_surface already has another role",
        )),
        None if has_buffer(surface) => Some((
            xdg_wm_base::Error::InvalidSurfaceState,
            "the wl_surface has a buffer before its first configure",
        )),
        None => None,
    }
}

/// Whether a buffer is attached to `surface` (not yet committed) or shown on it.
fn has_buffer(surface: &WlSurface) -> bool {
    let attached = with_states(surface, |states| {
        let mut attributes = states.cached_state.get::<SurfaceAttributes>();
        matches!(
            attributes.pending().buffer,
            Some(BufferAssignment::NewBuffer(_))
        )
    });
    let shown =
        with_renderer_surface_state(surface, |state| state.buffer().is_some()).unwrap_or(false);
    attached || shown
}
