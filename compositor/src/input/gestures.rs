//! Gestures on the chrome, as a pure state machine over one finger (or the nested window's
//! mouse button): a tap, a long press, and the swipe away from the dock's edge that goes
//! home. The input code feeds it positions and a long-press timer; it answers with what the
//! finger meant. Tested here without a compositor.

use smithay::utils::{Logical, Point};

use crate::chrome::layout::Target;
use crate::config::Edge;

/// A finger that moved less than this (logical pixels) still taps.
pub const TAP_SLOP: f64 = 16.0;
/// Held this long without moving: a long press.
pub const LONG_PRESS_MS: u64 = 600;

/// What a finger on the chrome meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gesture {
    Tap(Target),
    LongPress(Target),
    /// Swiped away from the dock's edge by at least the dock's thickness: go home.
    SwipeHome,
}

/// One finger on the chrome, from down to up.
#[derive(Debug, Clone)]
pub struct Press {
    start: Point<f64, Logical>,
    /// The button or tile under the finger at touch-down.
    target: Option<Target>,
    /// Set when the finger went down on the dock: the edge the dock is on and how far a
    /// swipe must travel.
    dock: Option<(Edge, f64)>,
    moved: bool,
    done: bool,
}

impl Press {
    pub fn new(
        start: Point<f64, Logical>,
        target: Option<Target>,
        dock: Option<(Edge, f64)>,
    ) -> Press {
        Press {
            start,
            target,
            dock,
            moved: false,
            done: false,
        }
    }

    /// The finger moved; a swipe from the dock ends the gesture at once.
    pub fn motion(&mut self, position: Point<f64, Logical>) -> Option<Gesture> {
        if self.done {
            return None;
        }
        let delta = position - self.start;
        if delta.x.hypot(delta.y) > TAP_SLOP {
            self.moved = true;
        }
        let (edge, distance) = self.dock?;
        // How far the finger went away from the dock's edge, into the screen.
        let away = match edge {
            Edge::Bottom => -delta.y,
            Edge::Top => delta.y,
            Edge::Left => delta.x,
            Edge::Right => -delta.x,
        };
        if away >= distance {
            self.done = true;
            return Some(Gesture::SwipeHome);
        }
        None
    }

    /// The long-press timer fired while the finger is still down.
    pub fn long_press(&mut self) -> Option<Gesture> {
        if self.done || self.moved {
            return None;
        }
        let target = self.target.clone()?;
        self.done = true;
        Some(Gesture::LongPress(target))
    }

    /// The finger lifted.
    pub fn up(&mut self) -> Option<Gesture> {
        if self.done || self.moved {
            return None;
        }
        self.done = true;
        self.target.clone().map(Gesture::Tap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str) -> Option<Target> {
        Some(Target::App(id.to_string()))
    }

    #[test]
    fn a_still_finger_taps_what_it_went_down_on() {
        let mut press = Press::new((100.0, 650.0).into(), app("nav"), None);
        assert_eq!(press.motion((105.0, 655.0).into()), None);
        assert_eq!(press.up(), Some(Gesture::Tap(Target::App("nav".into()))));
        assert_eq!(press.up(), None, "once");
    }

    #[test]
    fn a_finger_that_slides_off_does_not_tap() {
        let mut press = Press::new((100.0, 650.0).into(), app("nav"), None);
        press.motion((160.0, 650.0).into());
        assert_eq!(press.up(), None);
        assert_eq!(press.long_press(), None);
    }

    #[test]
    fn holding_still_is_a_long_press_and_then_no_tap() {
        let mut press = Press::new((100.0, 650.0).into(), app("media"), None);
        assert_eq!(
            press.long_press(),
            Some(Gesture::LongPress(Target::App("media".into())))
        );
        assert_eq!(press.up(), None);
    }

    #[test]
    fn a_swipe_up_from_a_bottom_dock_goes_home() {
        let mut press = Press::new((900.0, 680.0).into(), None, Some((Edge::Bottom, 96.0)));
        assert_eq!(
            press.motion((900.0, 620.0).into()),
            None,
            "not far enough yet"
        );
        assert_eq!(
            press.motion((905.0, 580.0).into()),
            Some(Gesture::SwipeHome)
        );
        assert_eq!(press.up(), None);
    }

    #[test]
    fn a_swipe_away_from_a_left_dock_goes_home_and_along_it_does_not() {
        let mut along = Press::new((40.0, 100.0).into(), None, Some((Edge::Left, 80.0)));
        assert_eq!(along.motion((40.0, 300.0).into()), None);
        let mut away = Press::new((40.0, 100.0).into(), None, Some((Edge::Left, 80.0)));
        assert_eq!(away.motion((130.0, 110.0).into()), Some(Gesture::SwipeHome));
    }
}
