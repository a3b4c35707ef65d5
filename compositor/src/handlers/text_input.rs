//! text-input-v3 (apps with text fields), input-method-v2 (input methods such as an on-screen
//! keyboard or an IME) and virtual-keyboard-v1 (an on-screen keyboard typing as if it were a
//! keyboard). smithay routes between them and the seat's keyboard focus; the text field that
//! is enabled decides whether the on-screen keyboard shows (`shell/osk.rs`). Input methods
//! and virtual keyboards are privileged (`trust.rs`); virtual keyboards have their own file
//! (`virtual_keyboard.rs`).

use smithay::delegate_input_method_manager;
use smithay::desktop::PopupKind;
use smithay::reexports::wayland_protocols::wp::text_input::zv3::server::zwp_text_input_manager_v3::ZwpTextInputManagerV3;
use smithay::reexports::wayland_protocols::wp::text_input::zv3::server::zwp_text_input_v3::{
    self, ZwpTextInputV3,
};
use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::reexports::wayland_server::{
    Client, DataInit, Dispatch, DisplayHandle, Resource, WEnum, delegate_dispatch,
    delegate_global_dispatch,
};
use smithay::utils::{Logical, Rectangle};
use smithay::wayland::input_method::{InputMethodHandler, PopupSurface};
use smithay::wayland::text_input::{TextInputManagerState, TextInputUserData};
use tracing::warn;

use crate::state::State;

impl InputMethodHandler for State {
    fn new_popup(&mut self, surface: PopupSurface) {
        if let Err(err) = self.popups.track_popup(PopupKind::from(surface)) {
            warn!("could not track an input method popup: {err}");
        }
    }

    fn popup_repositioned(&mut self, _surface: PopupSurface) {}

    fn dismiss_popup(&mut self, surface: PopupSurface) {
        if let Some(parent) = surface.get_parent().map(|parent| parent.surface.clone()) {
            let _ =
                smithay::desktop::PopupManager::dismiss_popup(&parent, &PopupKind::from(surface));
        }
    }

    /// Where the text field's window is, so that candidate popups sit beside the cursor.
    fn parent_geometry(&self, parent: &WlSurface) -> Rectangle<i32, Logical> {
        self.window_for_surface(&crate::shell::root_surface(parent))
            .and_then(|window| self.space.element_geometry(&window))
            .unwrap_or_default()
    }
}

delegate_global_dispatch!(State: [ZwpTextInputManagerV3: ()] => TextInputManagerState);
delegate_dispatch!(State: [ZwpTextInputManagerV3: ()] => TextInputManagerState);

/// On the way to smithay: text fields' enable and disable are noted (smithay ignores text
/// fields while no input method is bound; the on-screen keyboard needs to know about them
/// anyway); while typing is forbidden (NO_KEYBOARD) an enable does not reach smithay, so no
/// input method is activated; and an unknown enum value is a protocol error for that client
/// (smithay would panic on it, taking every app down).
impl Dispatch<ZwpTextInputV3, TextInputUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        resource: &ZwpTextInputV3,
        request: zwp_text_input_v3::Request,
        data: &TextInputUserData,
        display: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        if let Some(value) = unknown_enum_value(&request) {
            resource.post_error(0u32, format!("unknown enum value {value}"));
            return;
        }
        state.osk_text_input_request(resource, &request);
        if matches!(request, zwp_text_input_v3::Request::Enable) && state.keyboard_restricted() {
            return;
        }
        <TextInputManagerState as Dispatch<ZwpTextInputV3, TextInputUserData, State>>::request(
            state, client, resource, request, data, display, data_init,
        );
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        resource: &ZwpTextInputV3,
        data: &TextInputUserData,
    ) {
        state.osk_text_input_destroyed(resource);
        <TextInputManagerState as Dispatch<ZwpTextInputV3, TextInputUserData, State>>::destroyed(
            state, client, resource, data,
        );
    }
}
delegate_input_method_manager!(State);

/// The value of an enum argument that the protocol does not define, if the request has one.
fn unknown_enum_value(request: &zwp_text_input_v3::Request) -> Option<u32> {
    match request {
        zwp_text_input_v3::Request::SetTextChangeCause {
            cause: WEnum::Unknown(value),
        } => Some(*value),
        zwp_text_input_v3::Request::SetContentType { hint, purpose } => match (hint, purpose) {
            (WEnum::Unknown(value), _) | (_, WEnum::Unknown(value)) => Some(*value),
            _ => None,
        },
        _ => None,
    }
}
