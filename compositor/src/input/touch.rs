//! Touch (and the nested window's mouse button) between the chrome and the apps.
//!
//! A finger that goes down on a client surface (an app, a popup, a layer surface such as an
//! on-screen keyboard) belongs to that surface until it lifts, with surface-local
//! coordinates. A finger that goes down on the chrome (status bar, dock, home view) belongs
//! to the chrome's gesture recognizer (`gestures.rs`): tap a dock button or home tile to
//! show that app or home, long-press a dock app to open it beside the active one, swipe up
//! (away from the dock's edge) from the dock to go home.
//!
//! Backends and the debug injector call the same functions with global logical positions.

use std::collections::HashMap;
use std::time::Duration;

use smithay::backend::input::TouchSlot;
use smithay::input::touch::{DownEvent, MotionEvent, UpEvent};
use smithay::output::Output;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{IsAlive, Logical, Point, SERIAL_COUNTER};
use tracing::{info, warn};

use super::gestures::{Gesture, LONG_PRESS_MS, Press};
use super::touch_focus::TouchFocus;
use crate::chrome::layout::{Target, button_at, dock_buttons};
use crate::config::Panel;
use crate::shell::views::View;
use crate::state::State;

/// Fingers on client surfaces: the surface each one went down on, so that a finger whose
/// surface goes away (a window closed under it) is lifted for its client rather than left
/// down for ever.
#[derive(Default)]
pub struct ClientTouches(HashMap<TouchSlot, WlSurface>);

/// Fingers held by the chrome, by touch slot; the mouse button uses its own key.
#[derive(Default)]
pub struct ChromePresses {
    presses: HashMap<PressKey, (Output, Press, u64)>,
    /// Numbers the presses, so a long-press timer knows whether its press is still down.
    next_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PressKey {
    Touch(TouchSlot),
    Mouse,
}

impl State {
    /// What the chrome holds at a global position: a press to recognize, or `None` when the
    /// position is not on the chrome. As the frame is drawn: a trusted layer surface (the
    /// on-screen keyboard) above the status bar and dock, which are above every app surface;
    /// the home view is below the apps (popup-role apps float over it).
    fn chrome_press_at(&self, position: Point<f64, Logical>) -> Option<(Output, Press)> {
        // Free placement (a conformance harness) has no chrome to press.
        if self.curtain.is_down()
            || self.shell.free_placement
            || self.upper_layer_surface_under(position).is_some()
        {
            return None;
        }
        let output = self.space.output_under(position).next()?.clone();
        let origin = self.space.output_geometry(&output)?.loc.to_f64();
        let local = position - origin;
        let zones = crate::shell::output_zones(&self.space, &output, &self.config)?;
        let apps = self.launcher_apps(&output);
        if let Some(dock) = zones.dock
            && dock.to_f64().contains(local)
        {
            let buttons = dock_buttons(dock, &apps);
            let target = button_at(&buttons, local).map(|button| button.target.clone());
            let panel: Option<Panel> = self
                .config
                .output(&output.name())
                .and_then(|config| config.layout.dock.as_ref())
                .map(|dock| *dock.get_ref());
            let swipe = panel.map(|panel| (panel.edge, f64::from(panel.size)));
            return Some((output, Press::new(local, target, swipe)));
        }
        if zones
            .status_bar
            .is_some_and(|bar| bar.to_f64().contains(local))
        {
            return Some((output, Press::new(local, None, None)));
        }
        // A slot waiting for its app takes its own taps: "Try again", or nothing.
        if self.surface_under(position).is_none()
            && let Some(slot) = self
                .waiting_slots(&output)
                .into_iter()
                .find(|slot| slot.rect.to_f64().contains(local))
        {
            let target = match slot.waiting {
                crate::chrome::waiting::Waiting::Failed { retry, .. }
                    if retry.rect.to_f64().contains(local) =>
                {
                    Some(retry.target)
                }
                _ => None,
            };
            return Some((output, Press::new(local, target, None)));
        }
        if self.view(&output) == View::Home
            && self.surface_under(position).is_none()
            && let Some(area) = crate::shell::app_area(&self.space, &output, &self.config)
        {
            let area_local =
                smithay::utils::Rectangle::new(area.loc - origin.to_i32_round(), area.size);
            if area_local.to_f64().contains(local) {
                let target = self.home_view_layout(&output, area_local).target_at(local);
                return Some((output, Press::new(local, target, None)));
            }
        }
        None
    }

    /// A finger (or the mouse button) went down at a global position. Returns whether the
    /// chrome took it.
    pub fn chrome_press_down(&mut self, key: PressKey, position: Point<f64, Logical>) -> bool {
        let Some((output, press)) = self.chrome_press_at(position) else {
            return false;
        };
        let id = self.chrome_presses.next_id;
        self.chrome_presses.next_id += 1;
        self.chrome_presses.presses.insert(key, (output, press, id));
        let timer = Timer::from_duration(Duration::from_millis(LONG_PRESS_MS));
        let armed = self.loop_handle.insert_source(timer, move |_, _, state| {
            let gesture = match state.chrome_presses.presses.get_mut(&key) {
                Some((output, press, press_id)) if *press_id == id => {
                    press.long_press().map(|gesture| (output.clone(), gesture))
                }
                _ => None,
            };
            if let Some((output, gesture)) = gesture {
                state.chrome_gesture(&output, gesture);
            }
            TimeoutAction::Drop
        });
        if let Err(err) = armed {
            warn!("could not time a long press: {err}");
        }
        true
    }

    /// Whether the chrome holds this finger (its motion and lift are the chrome's).
    pub fn chrome_holds(&self, key: PressKey) -> bool {
        self.chrome_presses.presses.contains_key(&key)
    }

    pub fn chrome_press_motion(&mut self, key: PressKey, position: Point<f64, Logical>) {
        let Some((output, press, _)) = self.chrome_presses.presses.get_mut(&key) else {
            return;
        };
        let origin = self
            .space
            .output_geometry(output)
            .map(|geometry| geometry.loc.to_f64())
            .unwrap_or_default();
        if let Some(gesture) = press.motion(position - origin) {
            let output = output.clone();
            self.chrome_gesture(&output, gesture);
        }
    }

    pub fn chrome_press_up(&mut self, key: PressKey) {
        let Some((output, mut press, _)) = self.chrome_presses.presses.remove(&key) else {
            return;
        };
        if let Some(gesture) = press.up() {
            self.chrome_gesture(&output, gesture);
        }
    }

    pub fn chrome_press_cancel(&mut self) {
        self.chrome_presses.presses.clear();
    }

    /// Does what a gesture on the chrome of `output` means.
    fn chrome_gesture(&mut self, output: &Output, gesture: Gesture) {
        info!(output = output.name(), ?gesture, "chrome gesture");
        let result = match gesture {
            Gesture::Tap(Target::Home) | Gesture::SwipeHome => self.home(Some(output.clone())),
            Gesture::Tap(Target::App(app_id)) => self.activate(&app_id),
            Gesture::LongPress(Target::App(app_id)) => match self.active_app_on(output) {
                Some(active) if active != app_id => self.set_split(&active, &app_id),
                _ => self.activate(&app_id),
            },
            Gesture::LongPress(Target::Home) => self.home(Some(output.clone())),
            Gesture::Tap(Target::Retry(app_id)) | Gesture::LongPress(Target::Retry(app_id)) => {
                self.retry_app(&app_id);
                Ok(())
            }
            Gesture::Tap(Target::PlayPause) | Gesture::LongPress(Target::PlayPause) => {
                self.media_player_call("PlayPause");
                Ok(())
            }
            Gesture::Tap(Target::Next) | Gesture::LongPress(Target::Next) => {
                self.media_player_call("Next");
                Ok(())
            }
        };
        if let Err(err) = result {
            warn!("the chrome could not do that: {err}");
        }
    }

    /// A finger went down on a client surface or the chrome.
    pub fn touch_down(&mut self, slot: TouchSlot, position: Point<f64, Logical>, time: u32) {
        if self.chrome_press_down(PressKey::Touch(slot), position) {
            return;
        }
        let Some(touch) = self.seat.get_touch() else {
            return;
        };
        // A tap beside an open menu closes it (and still reaches what it fell on).
        let touched = self.surface_under(position).map(|(surface, _)| surface);
        self.popup_grab_touched(touched.as_ref());
        self.focus_keyboard_at(position);
        let under = self.surface_under(position);
        let serial = SERIAL_COUNTER.next_serial();
        if let Some((surface, _)) = &under {
            self.client_touches.0.insert(slot, surface.clone());
            self.input_serials.delivered(surface, serial);
        }
        touch.down(
            self,
            under.map(|(surface, origin)| (TouchFocus::new(surface), origin)),
            &DownEvent {
                slot,
                location: position,
                serial,
                time,
            },
        );
    }

    pub fn touch_motion(&mut self, slot: TouchSlot, position: Point<f64, Logical>, time: u32) {
        if self.chrome_holds(PressKey::Touch(slot)) {
            self.chrome_press_motion(PressKey::Touch(slot), position);
            return;
        }
        let Some(touch) = self.seat.get_touch() else {
            return;
        };
        let under = self.surface_under(position);
        touch.motion(
            self,
            under.map(|(surface, origin)| (TouchFocus::new(surface), origin)),
            &MotionEvent {
                slot,
                location: position,
                time,
            },
        );
    }

    pub fn touch_up(&mut self, slot: TouchSlot, time: u32) {
        if self.chrome_holds(PressKey::Touch(slot)) {
            self.chrome_press_up(PressKey::Touch(slot));
            return;
        }
        let serial = SERIAL_COUNTER.next_serial();
        if let Some(surface) = self.client_touches.0.remove(&slot)
            && surface.alive()
        {
            self.input_serials.delivered(&surface, serial);
        }
        if let Some(touch) = self.seat.get_touch() {
            touch.up(self, &UpEvent { slot, serial, time });
        }
    }

    pub fn touch_frame(&mut self) {
        if let Some(touch) = self.seat.get_touch() {
            touch.frame(self);
        }
    }

    pub fn touch_cancel(&mut self) {
        self.chrome_press_cancel();
        self.client_touches.0.clear();
        if let Some(touch) = self.seat.get_touch() {
            touch.cancel(self);
        }
    }

    /// The surface tree of `root` is going away (its window or layer surface is destroyed,
    /// or the surface itself): the fingers on it are lifted, with a frame, while its client
    /// can still be told.
    pub fn touch_release_surface_tree(&mut self, root: &WlSurface) {
        let lifted: Vec<TouchSlot> = self
            .client_touches
            .0
            .iter()
            .filter(|(_, surface)| {
                // A dead surface has no tree left to walk.
                *surface == root
                    || (surface.alive() && crate::shell::root_surface(surface) == *root)
            })
            .map(|(slot, _)| *slot)
            .collect();
        if lifted.is_empty() {
            return;
        }
        let time = Duration::from(self.clock.now()).as_millis() as u32;
        for slot in lifted {
            self.touch_up(slot, time);
        }
        self.touch_frame();
    }
}
