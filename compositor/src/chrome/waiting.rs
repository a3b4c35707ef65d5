//! A slot whose app has no window to show: starting, starting again after it stopped, or
//! given up. Instead of a black slot the chrome draws the app's icon and name and what is
//! happening; an app that cannot run (its program missing, or crashing in a loop) says why
//! and offers "Try again", a button the driver taps to start it once more
//! (`Supervisor::retry`). Drawn below the app's windows, so that the app's first picture
//! replaces it in the frame it arrives.

use smithay::output::Output;
use smithay::utils::{Logical, Rectangle};

use super::layout::{Button, Target};

/// A finger's target, in logical pixels.
const TOUCH_TARGET: i32 = cowl_sdk::ui::TOUCH_TARGET as i32;
use crate::shell::app_state::AppStatus;
use crate::shell::views::{Slot, View, slot_rect};
use crate::state::State;

/// What a waiting slot shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Waiting {
    /// Its process runs (or waits for its restart); `why` says why it had stopped.
    Starting { why: Option<String> },
    /// Not running and not restarted: why, and the button that tries again.
    Failed { why: String, retry: Button },
    /// Not running, and nothing starts it (an app Cowl does not start itself).
    Absent,
}

/// A slot of the view on an output whose app shows no window, output-local.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingSlot {
    pub app_id: String,
    pub rect: Rectangle<i32, Logical>,
    pub waiting: Waiting,
}

/// The "Try again" button of a waiting slot: centred, below the middle, as large as a
/// finger needs (`cowl_sdk::ui::TOUCH_TARGET` high at least, where the slot has room).
pub fn retry_button(slot: Rectangle<i32, Logical>, app_id: &str) -> Button {
    let height = (slot.size.h / 6).clamp(TOUCH_TARGET, 96);
    let width = (height * 4).min(slot.size.w * 9 / 10);
    Button {
        rect: Rectangle::new(
            (
                slot.loc.x + (slot.size.w - width) / 2,
                slot.loc.y + slot.size.h * 2 / 3 - height / 2,
            )
                .into(),
            (width, height).into(),
        ),
        target: Target::Retry(app_id.to_string()),
    }
}

impl State {
    /// The slots of `output`'s view that wait for their app, output-local.
    pub fn waiting_slots(&self, output: &Output) -> Vec<WaitingSlot> {
        let apps: Vec<(String, Slot)> = match self.view(output) {
            View::Home => Vec::new(),
            View::App(id) => vec![(id, Slot::Full)],
            View::Split { primary, secondary } => {
                vec![(primary, Slot::Primary), (secondary, Slot::Secondary)]
            }
        };
        let (Some(area), Some(output_geometry)) = (
            crate::shell::app_area(&self.space, output, &self.config),
            self.space.output_geometry(output),
        ) else {
            return Vec::new();
        };
        let area = Rectangle::new(area.loc - output_geometry.loc, area.size);
        let ratio = self.config.shell.split_ratio();
        apps.into_iter()
            .filter_map(|(app_id, slot)| {
                let rect = slot_rect(area, slot, ratio);
                let why = self
                    .supervisor
                    .trouble(&app_id)
                    .map(crate::supervisor::Trouble::explanation);
                let waiting = match self.app_status(&app_id) {
                    AppStatus::Running | AppStatus::Hung => return None,
                    AppStatus::Starting | AppStatus::Restarting => Waiting::Starting { why },
                    AppStatus::Failed => Waiting::Failed {
                        why: why.unwrap_or_else(|| "It stopped".to_string()),
                        retry: retry_button(rect, &app_id),
                    },
                    AppStatus::Stopped => Waiting::Absent,
                };
                Some(WaitingSlot {
                    app_id,
                    rect,
                    waiting,
                })
            })
            .collect()
    }

    /// The driver tapped "Try again" on a slot waiting for `app_id`.
    pub fn retry_app(&mut self, app_id: &str) {
        let runs = self.supervisor.retry(app_id);
        tracing::info!(app = app_id, runs, "trying the app again");
        self.queue_redraw_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_button_sits_inside_its_slot_large_enough_for_a_finger() {
        let slot = Rectangle::new((100, 40).into(), (640, 360).into());
        let button = retry_button(slot, "nav");
        assert!(slot.contains_rect(button.rect), "{button:?}");
        assert!(button.rect.size.h >= TOUCH_TARGET);
        assert_eq!(button.target, Target::Retry("nav".into()));
        let small = Rectangle::new((0, 0).into(), (120, 90).into());
        assert!(small.contains_rect(retry_button(small, "nav").rect));
    }
}
