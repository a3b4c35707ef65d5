//! The seat's keyboard, and the protocols that type through it (input-method and
//! virtual-keyboard, for on-screen keyboards).
//!
//! They are set up once the first frame is on screen, not before it. Compiling the xkb
//! keymap was the largest share of setting up Wayland (natively 3.7 ms of the 6 to 9 for
//! the `us` layout; several hundred ms on a slow machine), and a driver waits for the first
//! picture, not for a keymap. smithay's handlers of both typing protocols expect the seat to
//! have a keyboard, so their globals are made with it: a client that connected earlier sees
//! them arrive as new globals, and the keyboard as a new seat capability. The apps Cowl
//! starts itself are started after this (startup.rs), and READY=1 comes after it too.
//!
//! A keymap that does not compile (a layout that xkb-data lacks) is logged and replaced by
//! xkbcommon's default: a bad keyboard setting must not cost the car its screens.

use smithay::input::keyboard::XkbConfig;
use smithay::wayland::input_method::InputMethodManagerState;
use smithay::wayland::virtual_keyboard::VirtualKeyboardManagerState;
use tracing::{info, warn};

use crate::state::State;
use crate::trust::is_privileged;

/// Key repeat: the delay before the first repeat, and repeats a second.
const REPEAT_DELAY_MS: i32 = 200;
const REPEAT_RATE: i32 = 25;

impl State {
    /// Gives the seat its keyboard, with the configured keymap (or the default one), and
    /// makes the typing protocols' globals. Done once; later calls do nothing.
    pub fn keyboard_set_up(&mut self) {
        if self.seat.get_keyboard().is_some() {
            return;
        }
        let keyboard = &self.config.keyboard;
        // Empty names let xkbcommon read XKB_DEFAULT_LAYOUT and friends from the environment.
        let configured = XkbConfig {
            rules: &keyboard.rules,
            model: &keyboard.model,
            layout: &keyboard.layout,
            variant: &keyboard.variant,
            options: Some(keyboard.options.clone()).filter(|options| !options.is_empty()),
        };
        if let Err(err) = self
            .seat
            .add_keyboard(configured, REPEAT_DELAY_MS, REPEAT_RATE)
        {
            warn!(
                layout = keyboard.layout,
                variant = keyboard.variant,
                model = keyboard.model,
                options = keyboard.options,
                "the configured xkb keymap does not compile ({err}); using the default keymap \
                 (is xkb-data installed, and does it have this layout?)"
            );
            if let Err(err) =
                self.seat
                    .add_keyboard(XkbConfig::default(), REPEAT_DELAY_MS, REPEAT_RATE)
            {
                warn!("no keyboard: even the default xkb keymap does not compile: {err}");
                return;
            }
        }
        info!("keyboard ready");
        let display = &self.display_handle;
        self.protocols.input_method = Some(InputMethodManagerState::new::<State, _>(
            display,
            is_privileged,
        ));
        self.protocols.virtual_keyboard = Some(VirtualKeyboardManagerState::new::<State, _>(
            display,
            is_privileged,
        ));
    }
}
