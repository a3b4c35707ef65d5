//! The on-screen keyboard shows while a text field is enabled (text-input-v3) and hides
//! when none is. An OSK that is an input method (input-method-v2) is activated by smithay
//! and shows itself; one that only types through virtual-keyboard (wvkbd) is shown and
//! hidden by the signals `[osk]` names. Either way it is a layer surface: its exclusive
//! zone shrinks the app area, so the field stays visible above it. While driving
//! (NO_KEYBOARD) the OSK is hidden and no input method is activated.

use smithay::reexports::wayland_protocols::wp::text_input::zv3::server::zwp_text_input_v3::{
    self, ZwpTextInputV3,
};
use smithay::reexports::wayland_server::Resource;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::wayland::text_input::TextInputSeat;
use tracing::{info, warn};

use crate::config::signal_named;
use crate::state::State;
use crate::supervisor::OSK_ID;

/// The OSK process we last told to show or hide, and what we told it.
#[derive(Debug, Default)]
pub struct OskVisibility {
    told: Option<(u32, bool)>,
    /// The surface whose text fields were last told they have the keyboard.
    text_focus: Option<WlSurface>,
    /// Every text field: (its text-input object, enable pending its commit, enabled).
    fields: Vec<(ZwpTextInputV3, Option<bool>, bool)>,
}

impl State {
    /// smithay tells text fields that they have the keyboard (text-input `enter`) only when
    /// an input method is bound. A signal-driven OSK is no input method, so with one
    /// configured Cowl says it itself when the keyboard focus moves: `leave` to the old
    /// surface's fields, `enter` to the new one's, which is when an app enables its field.
    pub fn osk_focus_changed(&mut self, focused: Option<&WlSurface>) {
        let signal_driven = self
            .config
            .osk
            .as_ref()
            .is_some_and(|osk| osk.show_signal.is_some());
        if !signal_driven {
            return;
        }
        let text_input = self.seat.text_input().clone();
        if let Some(previous) = self.osk.text_focus.take()
            && previous.is_alive()
            && Some(&previous) != focused
        {
            text_input.set_focus(Some(previous));
            text_input.leave();
        }
        text_input.set_focus(focused.cloned());
        if let Some(focused) = focused {
            text_input.enter();
            self.osk.text_focus = Some(focused.clone());
        }
    }

    /// A text field's request on its way to smithay: enable and disable take effect at the
    /// next commit, as in the protocol.
    pub fn osk_text_input_request(
        &mut self,
        text_input: &ZwpTextInputV3,
        request: &zwp_text_input_v3::Request,
    ) {
        let fields = &mut self.osk.fields;
        let index = match fields.iter().position(|(field, _, _)| field == text_input) {
            Some(index) => index,
            None => {
                fields.push((text_input.clone(), None, false));
                fields.len() - 1
            }
        };
        let field = &mut fields[index];
        match request {
            zwp_text_input_v3::Request::Enable => field.1 = Some(true),
            zwp_text_input_v3::Request::Disable => field.1 = Some(false),
            zwp_text_input_v3::Request::Commit => {
                if let Some(enabled) = field.1.take() {
                    field.2 = enabled;
                }
            }
            _ => {}
        }
    }

    pub fn osk_text_input_destroyed(&mut self, text_input: &ZwpTextInputV3) {
        self.osk.fields.retain(|(field, _, _)| field != text_input);
    }

    /// Whether the app with the keyboard has an enabled text field.
    fn text_field_enabled(&self) -> bool {
        let Some(focus) = self
            .seat
            .get_keyboard()
            .and_then(|keyboard| keyboard.current_focus())
        else {
            return false;
        };
        self.osk
            .fields
            .iter()
            .any(|(field, _, enabled)| *enabled && field.id().same_client_as(&focus.id()))
    }

    /// Whether the car's restrictions forbid typing now (NO_KEYBOARD).
    pub fn keyboard_restricted(&self) -> bool {
        self.car
            .restricts(crate::vehicle_signals::driving::ux::NO_KEYBOARD)
    }

    /// NO_KEYBOARD came or went. An input method (input-method-v2) is activated by smithay
    /// when the focused field enables, and Cowl withholds enables while typing is forbidden;
    /// the focused surface's keyboard focus now leaves and comes back, so that smithay
    /// deactivates an active input method on the way out and the app enables its field again
    /// on the way in (withheld, or passed through once typing is allowed).
    pub fn osk_keyboard_restriction_changed(&mut self) {
        let Some(keyboard) = self.seat.get_keyboard() else {
            return;
        };
        let Some(focus) = keyboard.current_focus() else {
            return;
        };
        if !self.text_field_enabled() {
            return;
        }
        info!(
            restricted = self.keyboard_restricted(),
            "typing restriction changed: the text field is asked again"
        );
        let serial = smithay::utils::SERIAL_COUNTER.next_serial();
        keyboard.set_focus(self, None, serial);
        let serial = smithay::utils::SERIAL_COUNTER.next_serial();
        keyboard.set_focus(self, Some(focus), serial);
    }

    /// After every batch of events: shows or hides the OSK when a text field was enabled or
    /// disabled (or the OSK restarted, hidden, while a field is enabled).
    pub fn osk_update(&mut self) {
        let Some(osk) = &self.config.osk else {
            return;
        };
        let Some(pid) = self.supervisor.pid_of(OSK_ID) else {
            return;
        };
        // NO_KEYBOARD (driving): hidden whatever the field wants.
        let wanted = self.text_field_enabled() && !self.keyboard_restricted();
        let told_before = self.osk.told;
        // A freshly started OSK starts hidden.
        let shown = told_before.is_some_and(|(told_pid, shown)| told_pid == pid && shown);
        if shown == wanted {
            self.osk.told = Some((pid, shown));
            return;
        }
        self.osk.told = Some((pid, wanted));
        let signal = if wanted {
            &osk.show_signal
        } else {
            &osk.hide_signal
        };
        let Some(signal) = signal
            .as_ref()
            .and_then(|name| signal_named(name.get_ref()))
        else {
            return;
        };
        info!(shown = wanted, "on-screen keyboard");
        let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else {
            return;
        };
        if let Err(err) = rustix::process::kill_process(pid, signal) {
            warn!("could not signal the on-screen keyboard: {err}");
        }
    }
}
