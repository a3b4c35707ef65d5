//! xdg_activation_v1: an app asks for another surface (usually its own) to come forward.
//!
//! A token is only made for the app the driver is using: the client that holds the
//! keyboard focus now (which a tap on an app gives it, `input/`), with a serial no older
//! than that focus; or for a trusted launcher (a privileged client). An app in the background
//! cannot steal the screen from the driver with a serial it made up, nor with one it saw
//! before another app took the focus. An activation makes the requesting app the active
//! app, through `activate` and so through the driving restrictions.

use smithay::delegate_xdg_activation;
use smithay::input::Seat;
use smithay::reexports::wayland_server::Resource;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::wayland::xdg_activation::{
    XdgActivationHandler, XdgActivationState, XdgActivationToken, XdgActivationTokenData,
};

use crate::state::State;

/// Tokens older than this are stale: the user has moved on.
const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10);

impl XdgActivationHandler for State {
    fn activation_state(&mut self) -> &mut XdgActivationState {
        &mut self.protocols.xdg_activation
    }

    fn token_created(&mut self, _token: XdgActivationToken, data: XdgActivationTokenData) -> bool {
        let Some(client_id) = data.client_id else {
            return false;
        };
        let privileged = self
            .display_handle
            .backend_handle()
            .get_client_data(client_id.clone())
            .ok()
            .is_some_and(|data| {
                data.downcast_ref::<crate::state::ClientState>()
                    .is_some_and(|data| data.privileged)
            });
        if privileged {
            return true;
        }
        let Some((serial, seat)) = data.serial else {
            return false;
        };
        let Some(keyboard) = self.seat.get_keyboard() else {
            return false;
        };
        let focus_is_the_requester = keyboard
            .current_focus()
            .and_then(|surface| surface.client())
            .is_some_and(|focused| focused.id() == client_id);
        Seat::from_resource(&seat).as_ref() == Some(&self.seat)
            && focus_is_the_requester
            && keyboard
                .last_enter()
                .is_some_and(|last_enter| serial.is_no_older_than(&last_enter))
    }

    fn request_activation(
        &mut self,
        _token: XdgActivationToken,
        token_data: XdgActivationTokenData,
        surface: WlSurface,
    ) {
        if token_data.timestamp.elapsed() >= TOKEN_LIFETIME {
            return;
        }
        // A valid token came from the app the driver uses: the requesting app is shown.
        if let Some(window) = self.window_for_surface(&surface) {
            let app_id = crate::shell::activation::window_app_id(&window);
            if let Err(err) = self.activate(&app_id) {
                tracing::debug!("activation request not granted: {err}");
            }
        }
    }
}

delegate_xdg_activation!(State);
