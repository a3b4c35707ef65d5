//! xdg_wm_base: app windows (toplevels) and their popups.
//!
//! A new toplevel joins the shell's windows at once and is placed on its first commit, when
//! its app_id is known; it is mapped (shown) only once it has drawn at the size of its slot
//! (`shell/activation.rs`), so its first picture lands at the right size and place.
//! Fullscreen and maximize requests never grow an app beyond the app area: the answer is
//! the same configure. Popups are placed by their positioner, kept inside the output.
//!
//! A popup that asks for a grab (a menu) gets the keyboard, and keeps the pointer's
//! attention while it is open; a click or a tap outside the client's popups closes them
//! (popup_done), as a menu closes on a tap beside it, and so does a new window appearing.
//! The grab is granted only for the serial of an input event that client received lately
//! (`input/input_serials.rs`; smithay does not check it): a client cannot take the
//! keyboard from the app in use on its own.

use smithay::desktop::{
    PopupKeyboardGrab, PopupKind, PopupManager, PopupPointerGrab, PopupUngrabStrategy, Window,
    find_popup_root_surface, get_popup_toplevel_coords,
};
use smithay::input::pointer::Focus;
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_toplevel;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
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

    fn new_popup(&mut self, popup: PopupSurface, positioner: PositionerState) {
        let positioner = self.positioner_as_sent(positioner);
        popup.with_pending_state(|pending| {
            pending.geometry = positioner.get_geometry();
            pending.positioner = positioner;
        });
        self.unconstrain_popup(&popup);
        if let Err(err) = self.popups.track_popup(PopupKind::Xdg(popup)) {
            warn!("could not track a popup: {err}");
        }
    }

    fn popup_destroyed(&mut self, _popup: PopupSurface) {
        // The pointer leaves it now, while its surface still exists to be left (a client
        // destroys the surface right after).
        self.popups.cleanup();
        self.pointer_refresh();
    }

    fn reposition_request(&mut self, popup: PopupSurface, positioner: PositionerState, token: u32) {
        let positioner = self.positioner_as_sent(positioner);
        popup.with_pending_state(|pending| {
            pending.geometry = positioner.get_geometry();
            pending.positioner = positioner;
        });
        self.unconstrain_popup(&popup);
        popup.send_repositioned(token);
    }

    fn grab(&mut self, popup: PopupSurface, _seat: wl_seat::WlSeat, serial: Serial) {
        self.grab_popup(popup, serial);
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
    /// A popup's explicit grab: the keyboard to the popup, the pointer held by smithay's
    /// popup grab (a press outside ends it), and the grab kept so that a touch outside ends
    /// it too (`input/touch.rs`). Refused (the popup dismissed) when the seat is already
    /// grabbed for another press.
    fn grab_popup(&mut self, popup: PopupSurface, serial: Serial) {
        let kind = PopupKind::Xdg(popup);
        let Ok(root) = find_popup_root_surface(&kind) else {
            return;
        };
        if !self.input_serials.is_recent_input_of(&root, serial) {
            debug!(
                "popup grab refused: not the serial of an input event its client received lately"
            );
            if let Err(err) = PopupManager::dismiss_popup(&root, &kind) {
                debug!("could not dismiss the popup: {err:?}");
            }
            return;
        }
        let mut grab = match self.popups.grab_popup(root, kind, &self.seat, serial) {
            Ok(grab) => grab,
            Err(err) => {
                debug!("popup grab refused: {err:?}");
                return;
            }
        };
        let earlier = grab.previous_serial().unwrap_or(serial);
        if let Some(keyboard) = self.seat.get_keyboard() {
            if keyboard.is_grabbed() && !(keyboard.has_grab(serial) || keyboard.has_grab(earlier)) {
                grab.ungrab(PopupUngrabStrategy::All);
                return;
            }
            keyboard.set_focus(self, grab.current_grab(), serial);
            keyboard.set_grab(self, PopupKeyboardGrab::new(&grab), serial);
        }
        if let Some(pointer) = self.seat.get_pointer() {
            if pointer.is_grabbed() && !(pointer.has_grab(serial) || pointer.has_grab(earlier)) {
                grab.ungrab(PopupUngrabStrategy::All);
                return;
            }
            pointer.set_grab(self, PopupPointerGrab::new(&grab), serial, Focus::Keep);
        }
        self.popup_grab = Some(grab);
    }

    /// Closes the open menu, if any: a new window came forward.
    pub fn popup_grab_end(&mut self) {
        if let Some(mut grab) = self.popup_grab.take()
            && !grab.has_ended()
        {
            grab.ungrab(PopupUngrabStrategy::All);
        }
    }

    /// A finger went down on `surface` (or on nothing): outside the grabbing client's
    /// popups it closes them, as a click outside does through the pointer grab.
    pub fn popup_grab_touched(&mut self, surface: Option<&WlSurface>) {
        let Some(grab) = &mut self.popup_grab else {
            return;
        };
        if grab.has_ended() {
            self.popup_grab = None;
            return;
        }
        let inside = surface.is_some_and(|surface| {
            let root = crate::shell::root_surface(surface);
            self.popups.find_popup(&root).is_some()
        });
        if !inside {
            grab.ungrab(PopupUngrabStrategy::All);
            self.popup_grab = None;
        }
    }

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

// Dispatched in xdg_wm_base.rs: smithay's, with get_xdg_surface's checks.
