//! The serials of the input events Cowl delivered to each client: pointer buttons, fingers
//! down and up, keys. A request that needs a user's action, a menu's grab, names the serial
//! of such an event; it is honoured only when that event went to the same client, and
//! lately, so that an app cannot take the keyboard from the app in use (where the driver
//! may be typing) by making a serial up or reusing another client's.

use smithay::reexports::wayland_server::Resource;
use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::Serial;

/// How many clients are remembered, and how many of each one's latest events: a press and
/// its release, a key or two.
const CLIENTS: usize = 8;
const EVENTS_A_CLIENT: usize = 4;

#[derive(Default)]
pub struct InputSerials(Vec<(ClientId, Vec<Serial>)>);

impl InputSerials {
    /// An input event with `serial` went to `surface`'s client.
    pub fn delivered(&mut self, surface: &WlSurface, serial: Serial) {
        let Some(client) = surface.client().map(|client| client.id()) else {
            return;
        };
        let mut serials = match self.0.iter().position(|(known, _)| *known == client) {
            Some(index) => self.0.remove(index).1,
            None => Vec::new(),
        };
        if serials.len() == EVENTS_A_CLIENT {
            serials.remove(0);
        }
        serials.push(serial);
        if self.0.len() == CLIENTS {
            self.0.remove(0);
        }
        self.0.push((client, serials));
    }

    /// Whether `serial` is one of the latest input events `surface`'s client received.
    pub fn is_recent_input_of(&self, surface: &WlSurface, serial: Serial) -> bool {
        let Some(client) = surface.client().map(|client| client.id()) else {
            return false;
        };
        self.0
            .iter()
            .any(|(known, serials)| *known == client && serials.contains(&serial))
    }
}
