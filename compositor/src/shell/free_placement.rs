//! Free placement: the mode a conformance harness (WLCS, `conformance.rs`) runs Cowl in.
//! Conformance tests expect a desktop's behaviour that a head unit does not have: every
//! toplevel shown at the size it chooses, where the test puts it, and stacked as it was
//! mapped or raised; a maximized one fills what the layer shell's exclusive zones leave of
//! the output, a fullscreen one the output; the one with the keyboard is told it is
//! activated, and the others that they are not. (Every app in a view is activated.) In this mode the views, slots and app roles are set aside; everything
//! else (input routing, frame callbacks, popups, layer surfaces, subsurfaces, limits) is the
//! code the car runs. It is never set by a configuration file or command line.

use std::cell::Cell;

use smithay::desktop::Window;
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_toplevel;
use smithay::utils::{Logical, Point, Rectangle};
use smithay::wayland::shell::xdg::ToplevelSurface;

use super::activation::{Configured, WindowLayout, has_buffer};
use crate::state::State;

/// Where the harness put a window (global logical), kept in its user data.
struct FreePosition(Cell<Option<Point<i32, Logical>>>);

/// The position given to a window, if any; a window never placed goes to the primary
/// output's corner.
pub fn free_position(window: &Window) -> Option<Point<i32, Logical>> {
    window
        .user_data()
        .get::<FreePosition>()
        .and_then(|position| position.0.get())
}

impl State {
    /// Moves a window to `position` (global logical) and shows it there.
    pub fn shell_place_freely(&mut self, window: &Window, position: Point<i32, Logical>) {
        window
            .user_data()
            .get_or_insert(|| FreePosition(Cell::new(None)))
            .0
            .set(Some(position));
        self.shell_apply();
    }

    /// A window's layout in free placement: shown on the primary output, whose whole area is
    /// its slot (the clip of its surfaces and popups).
    pub(super) fn free_layout(&self) -> Option<WindowLayout> {
        let output = super::primary_output(&self.space)?;
        Some(WindowLayout {
            rect: self.space.output_geometry(&output)?,
            shown: true,
            layer: 1,
        })
    }

    /// Configures a freely placed window: the size it chooses, unless it is maximized or
    /// fullscreen; shown once it has drawn.
    pub(super) fn configure_freely(
        &self,
        window: &Window,
        toplevel: &ToplevelSurface,
        layout: WindowLayout,
    ) -> Option<Configured> {
        let output_area = layout.rect;
        let filled = toplevel.with_pending_state(|pending| {
            if pending.states.contains(xdg_toplevel::State::Fullscreen) {
                Some(output_area)
            } else if pending.states.contains(xdg_toplevel::State::Maximized) {
                Some(self.free_maximized_area(output_area))
            } else {
                None
            }
        });
        toplevel.with_pending_state(|pending| pending.size = filled.map(|area| area.size));
        if toplevel.is_initial_configure_sent() {
            toplevel.send_pending_configure();
        }
        let place = match filled {
            Some(area) => area.loc,
            None => free_position(window).unwrap_or(output_area.loc),
        };
        Some(Configured {
            ready: has_buffer(toplevel.wl_surface()),
            place,
            mapped_at: self.space.element_location(window),
            layout,
        })
    }

    /// What a maximized window fills: the primary output less the exclusive zones.
    fn free_maximized_area(&self, output_area: Rectangle<i32, Logical>) -> Rectangle<i32, Logical> {
        let Some(output) = super::primary_output(&self.space) else {
            return output_area;
        };
        let mut zone = super::layer_placement::app_zone(&output);
        zone.loc += output_area.loc;
        zone
    }

    /// The keyboard went to `focused`: its window is activated, every other one is not.
    pub fn shell_activate_focused(
        &mut self,
        focused: Option<&smithay::reexports::wayland_server::protocol::wl_surface::WlSurface>,
    ) {
        for window in &self.shell.windows {
            let Some(toplevel) = window.toplevel() else {
                continue;
            };
            let activated = focused == Some(toplevel.wl_surface());
            toplevel.with_pending_state(|pending| {
                if activated {
                    pending.states.set(xdg_toplevel::State::Activated);
                } else {
                    pending.states.unset(xdg_toplevel::State::Activated);
                }
            });
            if toplevel.is_initial_configure_sent() {
                toplevel.send_pending_configure();
            }
        }
    }
}
