//! xdg-decoration: every app is told to leave decorations to the server, and the server
//! draws none. Head-unit apps are borderless; titles and close buttons have no place on a
//! dashboard.

use smithay::delegate_xdg_decoration;
use smithay::reexports::wayland_protocols::xdg::decoration::zv1::server::zxdg_toplevel_decoration_v1::Mode;
use smithay::wayland::shell::xdg::ToplevelSurface;
use smithay::wayland::shell::xdg::decoration::XdgDecorationHandler;

use crate::state::State;

fn insist_on_server_side(toplevel: &ToplevelSurface) {
    toplevel.with_pending_state(|pending| {
        pending.decoration_mode = Some(Mode::ServerSide);
    });
    if toplevel.is_initial_configure_sent() {
        toplevel.send_pending_configure();
    }
}

impl XdgDecorationHandler for State {
    fn new_decoration(&mut self, toplevel: ToplevelSurface) {
        insist_on_server_side(&toplevel);
    }

    fn request_mode(&mut self, toplevel: ToplevelSurface, _mode: Mode) {
        insist_on_server_side(&toplevel);
    }

    fn unset_mode(&mut self, toplevel: ToplevelSurface) {
        insist_on_server_side(&toplevel);
    }
}

delegate_xdg_decoration!(State);
