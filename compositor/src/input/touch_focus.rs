//! What a finger is on, as the seat keeps it: the surface it went down on, and the surface
//! at the top of that surface's tree (its window, layer surface or menu).
//!
//! wl_touch.up names no surface, but smithay finds the client to tell through the touched
//! surface, and a destroyed surface leads to no client. A finger on a subsurface that an
//! app destroys (a video overlay, a list's row) would never be lifted for the app, which
//! then waits for ever on a touch point that is still down. So once the touched surface is
//! gone, up, frame and cancel go through the top of its tree, which belongs to the same
//! client. A finger whose window goes away is lifted before the window is
//! (`touch_release_surface_tree`).

use std::borrow::Cow;

use smithay::input::Seat;
use smithay::input::touch::{
    DownEvent, MotionEvent, OrientationEvent, ShapeEvent, TouchTarget, UpEvent,
};
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{IsAlive, Serial};
use smithay::wayland::seat::WaylandFocus;

use crate::state::State;

#[derive(Debug, Clone, PartialEq)]
pub struct TouchFocus {
    /// The surface the finger went down on.
    touched: WlSurface,
    /// The top of its tree when the finger went down.
    root: WlSurface,
}

impl TouchFocus {
    pub fn new(touched: WlSurface) -> TouchFocus {
        let root = crate::shell::root_surface(&touched);
        TouchFocus { touched, root }
    }

    /// The surface that leads to the client: the touched one while it lives.
    fn reachable(&self) -> &WlSurface {
        if self.touched.alive() {
            &self.touched
        } else {
            &self.root
        }
    }
}

impl IsAlive for TouchFocus {
    fn alive(&self) -> bool {
        self.touched.alive() || self.root.alive()
    }
}

impl WaylandFocus for TouchFocus {
    fn wl_surface(&self) -> Option<Cow<'_, WlSurface>> {
        Some(Cow::Borrowed(&self.touched))
    }
}

impl TouchTarget<State> for TouchFocus {
    fn down(&self, seat: &Seat<State>, state: &mut State, event: &DownEvent, seq: Serial) {
        TouchTarget::down(&self.touched, seat, state, event, seq);
    }

    fn up(&self, seat: &Seat<State>, state: &mut State, event: &UpEvent, seq: Serial) {
        TouchTarget::up(self.reachable(), seat, state, event, seq);
    }

    fn motion(&self, seat: &Seat<State>, state: &mut State, event: &MotionEvent, seq: Serial) {
        TouchTarget::motion(&self.touched, seat, state, event, seq);
    }

    fn frame(&self, seat: &Seat<State>, state: &mut State, seq: Serial) {
        TouchTarget::frame(self.reachable(), seat, state, seq);
    }

    fn cancel(&self, seat: &Seat<State>, state: &mut State, seq: Serial) {
        TouchTarget::cancel(self.reachable(), seat, state, seq);
    }

    fn shape(&self, seat: &Seat<State>, state: &mut State, event: &ShapeEvent, seq: Serial) {
        TouchTarget::shape(&self.touched, seat, state, event, seq);
    }

    fn orientation(
        &self,
        seat: &Seat<State>,
        state: &mut State,
        event: &OrientationEvent,
        seq: Serial,
    ) {
        TouchTarget::orientation(&self.touched, seat, state, event, seq);
    }
}
