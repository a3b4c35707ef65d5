//! Input from a backend's devices to the focused clients: keyboard, pointer and touch.
//!
//! Touch is first-class (a head unit has no mouse): each touch point goes to the surface
//! under it at touch-down and stays with that surface until it lifts. Absolute positions are
//! mapped onto the output the device belongs to (the DRM backend's touchscreen mapping, else
//! the first output). The pointer exists for nested development on a desktop. Compositor
//! gestures and steering-wheel keys have modules of their own.

use smithay::backend::input::{
    AbsolutePositionEvent, Axis, ButtonState, Device, Event, InputBackend, InputEvent, KeyState,
    KeyboardKeyEvent, PointerAxisEvent, PointerButtonEvent, TouchEvent,
};
use smithay::input::keyboard::{FilterResult, keysyms};
use smithay::input::pointer::{AxisFrame, ButtonEvent, MotionEvent};
use smithay::utils::{Logical, Point, SERIAL_COUNTER, Size};

use crate::state::State;
use touch::PressKey;

pub mod gestures;
pub mod input_serials;
pub mod panel;
pub mod steering_keys;
pub mod touch;
pub mod touch_focus;

impl State {
    pub fn process_input_event<B: InputBackend>(&mut self, event: InputEvent<B>) {
        match event {
            InputEvent::Keyboard { event } => {
                let Some(keyboard) = self.seat.get_keyboard() else {
                    return;
                };
                let serial = SERIAL_COUNTER.next_serial();
                if let Some(surface) = keyboard.current_focus() {
                    self.input_serials.delivered(&surface, serial);
                }
                // Ctrl+Alt+Fn switches virtual terminals (the keymap turns it into
                // XF86Switch_VT_n): the session's business, never a client's. Its key's
                // release is kept from the clients too, as they never saw the press.
                let switch_to = keyboard.input::<Option<i32>, _>(
                    self,
                    event.key_code(),
                    event.state(),
                    serial,
                    event.time_msec(),
                    |state, _, keysym| {
                        let code = keysym.raw_code();
                        if event.state() == KeyState::Released {
                            return if state.keys_kept_from_clients.remove(&code) {
                                FilterResult::Intercept(None)
                            } else {
                                FilterResult::Forward
                            };
                        }
                        // Pressed again: a release kept back was lost (a device gone).
                        state.keys_kept_from_clients.remove(&code);
                        let sym = keysym.modified_sym().raw();
                        let first = keysyms::KEY_XF86Switch_VT_1;
                        if (first..=keysyms::KEY_XF86Switch_VT_12).contains(&sym) {
                            state.keys_kept_from_clients.insert(code);
                            FilterResult::Intercept(Some((sym - first + 1) as i32))
                        } else {
                            FilterResult::Forward
                        }
                    },
                );
                if let Some(Some(vt)) = switch_to {
                    self.backend.change_vt(vt);
                }
            }
            InputEvent::PointerMotionAbsolute { event } => {
                let Some(position) = self
                    .absolute_position(&event.device(), |size| event.position_transformed(size))
                else {
                    return;
                };
                self.pointer_motion(position, event.time_msec());
            }
            InputEvent::PointerButton { event } => {
                self.pointer_button(event.button_code(), event.state(), event.time_msec());
            }
            InputEvent::PointerAxis { event } => {
                let Some(pointer) = self.seat.get_pointer() else {
                    return;
                };
                let mut frame = AxisFrame::new(event.time_msec()).source(event.source());
                for axis in [Axis::Horizontal, Axis::Vertical] {
                    let discrete = event.amount_v120(axis);
                    let amount = event
                        .amount(axis)
                        .unwrap_or_else(|| discrete.unwrap_or(0.0) * 15.0 / 120.0);
                    if amount != 0.0 {
                        frame = frame.value(axis, amount);
                        if let Some(discrete) = discrete {
                            frame = frame.v120(axis, discrete as i32);
                        }
                    }
                }
                pointer.axis(self, frame);
                pointer.frame(self);
            }
            InputEvent::TouchDown { event } => {
                if let Some(position) =
                    self.absolute_position(&event.device(), |size| event.position_transformed(size))
                {
                    self.touch_down(event.slot(), position, event.time_msec());
                }
            }
            InputEvent::TouchMotion { event } => {
                if let Some(position) =
                    self.absolute_position(&event.device(), |size| event.position_transformed(size))
                {
                    self.touch_motion(event.slot(), position, event.time_msec());
                }
            }
            InputEvent::TouchUp { event } => self.touch_up(event.slot(), event.time_msec()),
            InputEvent::TouchFrame { .. } => self.touch_frame(),
            InputEvent::TouchCancel { .. } => self.touch_cancel(),
            _ => {}
        }
    }

    /// Maps a device's absolute position onto its output (the one the backend maps it to,
    /// else the first), in global coordinates. The device reports in the panel's own
    /// orientation; `scale_to` scales its position to a size, here the panel's in pixels,
    /// which `panel::panel_to_global` turns upright.
    fn absolute_position(
        &self,
        device: &impl Device,
        scale_to: impl FnOnce(Size<i32, Logical>) -> Point<f64, Logical>,
    ) -> Option<Point<f64, Logical>> {
        let mapped = self.backend.output_of_input_device(&device.id());
        let output = mapped
            .and_then(|name| self.space.outputs().find(|output| output.name() == name))
            .or_else(|| self.space.outputs().next())?;
        let panel = panel::panel_size(output)?.to_i32_round();
        // smithay's device events scale into a logical size; the panel's pixels stand in.
        let native = scale_to((panel.w, panel.h).into());
        panel::panel_to_global(&self.space, output, (native.x, native.y).into())
    }

    /// The pointer moved to `position` (global logical): the chrome's press follows it, or
    /// the surface under it is told.
    pub fn pointer_motion(&mut self, position: Point<f64, Logical>, time: u32) {
        self.pointer_has_moved = true;
        self.pointer_moved_to(position, time);
    }

    fn pointer_moved_to(&mut self, position: Point<f64, Logical>, time: u32) {
        if self.chrome_holds(PressKey::Mouse) {
            self.chrome_press_motion(PressKey::Mouse, position);
        }
        let Some(pointer) = self.seat.get_pointer() else {
            return;
        };
        let under = self.surface_under(position);
        self.pointer_target = under.clone();
        pointer.motion(
            self,
            under,
            &MotionEvent {
                location: position,
                serial: SERIAL_COUNTER.next_serial(),
                time,
            },
        );
        pointer.frame(self);
    }

    /// A pointer button (a Linux input event code) was pressed or released where the pointer
    /// is: on the chrome it is a finger's press, on an app it focuses the app and goes to it.
    pub fn pointer_button(&mut self, button: u32, state: ButtonState, time: u32) {
        let Some(pointer) = self.seat.get_pointer() else {
            return;
        };
        let serial = SERIAL_COUNTER.next_serial();
        // In a nested window the mouse stands in for a finger on the chrome.
        let location = pointer.current_location();
        match state {
            ButtonState::Pressed if self.chrome_press_down(PressKey::Mouse, location) => {
                return;
            }
            ButtonState::Released if self.chrome_holds(PressKey::Mouse) => {
                self.chrome_press_up(PressKey::Mouse);
                return;
            }
            ButtonState::Pressed => self.focus_keyboard_at(location),
            ButtonState::Released => {}
        }
        if let Some(surface) = pointer.current_focus() {
            self.input_serials.delivered(&surface, serial);
        }
        pointer.button(
            self,
            &ButtonEvent {
                button,
                state,
                serial,
                time,
            },
        );
        pointer.frame(self);
    }

    /// A tap or click on an app gives it the keyboard (and the on-screen keyboard later).
    pub(crate) fn focus_keyboard_at(&mut self, position: Point<f64, Logical>) {
        let Some(keyboard) = self.seat.get_keyboard() else {
            return;
        };
        // Layer surfaces that ask for the keyboard (handlers/layer_shell.rs).
        if self.exclusive_layer_holds_keyboard() {
            return;
        }
        if let Some(layer) = self.keyboard_layer_at(position) {
            keyboard.set_focus(self, Some(layer), SERIAL_COUNTER.next_serial());
            return;
        }
        // The window whose slot holds the point: what the frame shows there. Freely placed
        // windows share the output as their slot: the one under the point.
        let window = if self.shell.free_placement {
            self.space
                .element_under(position)
                .map(|(window, _)| window.clone())
        } else {
            self.space
                .elements()
                .rev()
                .find(|window| {
                    crate::shell::activation::shown_slot(window)
                        .is_some_and(|slot| slot.to_f64().contains(position))
                })
                .cloned()
        };
        if let Some(window) = window {
            self.space.raise_element(&window, true);
            let surface = window.toplevel().map(|t| t.wl_surface().clone());
            keyboard.set_focus(self, surface, SERIAL_COUNTER.next_serial());
        }
    }

    /// Gives `window` the keyboard.
    pub(crate) fn focus_keyboard_on(&mut self, window: &smithay::desktop::Window) {
        let Some(keyboard) = self.seat.get_keyboard() else {
            return;
        };
        let surface = window.toplevel().map(|t| t.wl_surface().clone());
        keyboard.set_focus(self, surface, SERIAL_COUNTER.next_serial());
    }

    /// What lies under the pointer may have changed without it moving (a window mapped,
    /// moved or resized, a subsurface moved): when the surface there, or where it is, is not
    /// what the pointer last told, it is told again as if the pointer had moved. Not before
    /// a pointer device has moved: a head unit without a mouse has a pointer resting at 0,0
    /// that no app may hear of.
    pub fn pointer_refresh(&mut self) {
        if !self.pointer_has_moved {
            return;
        }
        let Some(pointer) = self.seat.get_pointer() else {
            return;
        };
        let position = pointer.current_location();
        let under = self.surface_under(position);
        if under == self.pointer_target {
            return;
        }
        let time = std::time::Duration::from(self.clock.now()).as_millis() as u32;
        self.pointer_moved_to(position, time);
    }
}
