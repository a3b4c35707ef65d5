//! xdg_wm_base: app windows (toplevels) and their popups.
//!
//! A new toplevel joins the shell's windows at once and is placed on its first commit, when
//! its app_id is known; it is mapped (shown) only once it has drawn at the size of its slot
//! (`shell/activation.rs`), so its first picture lands at the right size and place.
//! Fullscreen and maximize requests never grow an app beyond the app area: the answer is
//! the same configure. Popups are placed by their positioner, kept inside the output.

use smithay::delegate_xdg_shell;
use smithay::desktop::{PopupKind, Window, find_popup_root_surface, get_popup_toplevel_coords};
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_toplevel;
use smithay::reexports::wayland_server::protocol::{wl_output, wl_seat};
use smithay::utils::Serial;
use smithay::wayland::shell::xdg::{
    PopupSurface, PositionerState, ShellClient, ToplevelSurface, XdgShellHandler, XdgShellState,
};
use tracing::{debug, info, warn};

use crate::state::State;

impl XdgShellHandler for State {
    fn xdg_shell_state(&mut self) -> &mut XdgShellState {
        &mut self.protocols.xdg_shell
    }

    fn new_toplevel(&mut self, toplevel: ToplevelSurface) {
        if !self.count_client_object(toplevel.wl_surface(), crate::client_limits::Counted::Window) {
            return;
        }
        // Placed on its first commit, when its app_id is known; shown once it has drawn at
        // the size of its slot (shell/activation.rs).
        self.shell
            .windows
            .push(Window::new_wayland_window(toplevel));
        self.watchdog_arm();
    }

    fn client_pong(&mut self, client: ShellClient) {
        self.watchdog_pong(&client);
    }

    fn toplevel_destroyed(&mut self, toplevel: ToplevelSurface) {
        self.touch_release_surface_tree(toplevel.wl_surface());
        let window = self
            .shell
            .windows
            .iter()
            .find(|window| window.toplevel() == Some(&toplevel))
            .cloned();
        if let Some(window) = window {
            self.uncount_client_object(
                toplevel.wl_surface(),
                crate::client_limits::Counted::Window,
            );
            info!(app_id = crate::shell::app_id(&toplevel), "window closed");
            self.shell.windows.retain(|w| w != &window);
            let outputs = self.space.outputs_for_element(&window);
            self.space.unmap_elem(&window);
            for output in outputs {
                self.queue_redraw(&output);
            }
            self.shell_forget_gone_apps();
            self.shell_apply();
        }
    }

    fn new_popup(&mut self, popup: PopupSurface, _positioner: PositionerState) {
        self.unconstrain_popup(&popup);
        if let Err(err) = self.popups.track_popup(PopupKind::Xdg(popup)) {
            warn!("could not track a popup: {err}");
        }
    }

    fn reposition_request(&mut self, popup: PopupSurface, positioner: PositionerState, token: u32) {
        popup.with_pending_state(|pending| {
            pending.geometry = positioner.get_geometry();
            pending.positioner = positioner;
        });
        self.unconstrain_popup(&popup);
        popup.send_repositioned(token);
    }

    fn grab(&mut self, _popup: PopupSurface, _seat: wl_seat::WlSeat, _serial: Serial) {
        // Explicit popup grabs (menus that close on an outside tap) arrive with the touch
        // work of the shell issue; the popup still shows, placed by its positioner.
        debug!("popup grab requested; not implemented yet");
    }

    fn fullscreen_request(
        &mut self,
        toplevel: ToplevelSurface,
        _output: Option<wl_output::WlOutput>,
    ) {
        // Fullscreen is limited to the app area: the chrome and safety overlays stay visible.
        toplevel.with_pending_state(|pending| {
            pending.states.set(xdg_toplevel::State::Fullscreen);
        });
        self.reconfigure_in_place(&toplevel);
    }

    fn unfullscreen_request(&mut self, toplevel: ToplevelSurface) {
        toplevel.with_pending_state(|pending| {
            pending.states.unset(xdg_toplevel::State::Fullscreen);
        });
        self.reconfigure_in_place(&toplevel);
    }

    fn maximize_request(&mut self, toplevel: ToplevelSurface) {
        // Every app is maximized in its slot already; freely placed windows
        // (shell/free_placement.rs) are when they ask.
        if self.shell.free_placement {
            toplevel.with_pending_state(|pending| {
                pending.states.set(xdg_toplevel::State::Maximized);
            });
        }
        self.reconfigure_in_place(&toplevel);
    }

    fn unmaximize_request(&mut self, toplevel: ToplevelSurface) {
        if self.shell.free_placement {
            toplevel.with_pending_state(|pending| {
                pending.states.unset(xdg_toplevel::State::Maximized);
            });
        }
        self.reconfigure_in_place(&toplevel);
    }
}

impl State {
    /// Answers a state request with the placement the shell decides, which does not change.
    fn reconfigure_in_place(&mut self, toplevel: &ToplevelSurface) {
        self.shell_apply();
        if toplevel.is_initial_configure_sent() {
            // The answer is due even when nothing changed but the state flag.
            toplevel.send_configure();
        }
    }

    /// Keeps a popup inside the output that shows its toplevel.
    fn unconstrain_popup(&self, popup: &PopupSurface) {
        let Ok(root) = find_popup_root_surface(&PopupKind::Xdg(popup.clone())) else {
            return;
        };
        let Some(window) = self
            .space
            .elements()
            .find(|window| window.toplevel().is_some_and(|t| t.wl_surface() == &root))
        else {
            return;
        };
        let Some(window_geometry) = self.space.element_geometry(window) else {
            return;
        };
        let Some(output_geometry) = self
            .space
            .outputs_for_element(window)
            .first()
            .and_then(|output| self.space.output_geometry(output))
        else {
            return;
        };
        // The positioner works relative to the parent's geometry.
        let mut target = output_geometry;
        target.loc -= get_popup_toplevel_coords(&PopupKind::Xdg(popup.clone()));
        target.loc -= window_geometry.loc;
        popup.with_pending_state(|pending| {
            pending.geometry = pending.positioner.get_unconstrained_geometry(target);
        });
    }
}

delegate_xdg_shell!(State);
