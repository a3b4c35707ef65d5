//! xdg_activation_v1: an app asks for another surface (usually its own) to come forward.
//!
//! Only tokens that carry a recent input serial of ours are honoured, so an app in the
//! background cannot steal the screen from the driver. The shell issue turns an activation
//! into "make this the active app".

use smithay::delegate_xdg_activation;
use smithay::input::Seat;
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
        let Some((serial, seat)) = data.serial else {
            return false;
        };
        let Some(keyboard) = self.seat.get_keyboard() else {
            return false;
        };
        Seat::from_resource(&seat).as_ref() == Some(&self.seat)
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
