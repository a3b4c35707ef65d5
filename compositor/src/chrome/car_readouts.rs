//! What the chrome shows of the car: the status bar's gear, speed and outside temperature
//! as text (units and rounding decided here), and the day or night theme that follows the
//! car's DayNightMode. `car/` calls [`State::chrome_follow_car`] whenever its store
//! changed; whether the chrome redraws is decided here, by comparing what it would show.

use std::time::Duration;

use cowl_sdk::vehicle::names::{AIR_TEMPERATURE, CURRENT_GEAR, DAY_NIGHT, SPEED};
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;
use crate::vehicle_signals::properties::PropertyValue;

/// What the car shows in the status bar (from the car's store, below; the phone from projection); dashes where unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readouts {
    pub gear: Option<String>,
    pub speed: Option<String>,
    pub temperature: Option<String>,
    pub phone: Option<String>,
}

impl State {
    /// The status bar's phone: its name, or none connected.
    pub fn chrome_show_phone(&mut self, name: Option<String>) {
        if self.chrome.readouts.phone != name {
            self.chrome.readouts.phone = name;
            self.queue_redraw_all();
        }
    }

    /// The car's store changed: the readouts and the theme follow it.
    pub fn chrome_follow_car(&mut self, now: Duration) {
        self.chrome_readouts(now);
        self.chrome_day_night(now);
    }

    /// With `[shell] theme = "auto"`, the chrome follows DayNightMode: its first known value
    /// at once, a change once it has held for the configured time (a tunnel shorter than
    /// that does not flicker the screen). An unknown mode keeps the theme as it is.
    fn chrome_day_night(&mut self, now: Duration) {
        use super::theme::{ThemeChoice, ThemeName};
        if self.config.shell.theme != ThemeChoice::Auto {
            return;
        }
        let wanted = match self.car.store().get(DAY_NIGHT, now) {
            Some(PropertyValue::String(mode)) if mode == "DAY" => ThemeName::Day,
            Some(PropertyValue::String(mode)) if mode == "NIGHT" => ThemeName::Night,
            _ => return,
        };
        if self.chrome.theme_pending.as_ref().map(|(theme, _)| *theme) == Some(wanted) {
            return;
        }
        if let Some((_, token)) = self.chrome.theme_pending.take() {
            self.loop_handle.remove(token);
        }
        if wanted == self.chrome.theme && self.chrome.theme_from_car {
            return;
        }
        if !self.chrome.theme_from_car {
            self.chrome.theme_from_car = true;
            self.chrome_set_theme(wanted);
            return;
        }
        let timer = Timer::from_duration(self.config.shell.day_night_hold());
        let token = self.loop_handle.insert_source(timer, move |_, _, state| {
            state.chrome.theme_pending = None;
            state.chrome_set_theme(wanted);
            TimeoutAction::Drop
        });
        match token {
            Ok(token) => self.chrome.theme_pending = Some((wanted, token)),
            Err(err) => warn!("could not time the theme change: {err}"),
        }
    }

    fn chrome_set_theme(&mut self, theme: super::theme::ThemeName) {
        if self.chrome.theme != theme {
            info!(?theme, "chrome theme");
            self.chrome.theme = theme;
            self.queue_redraw_all();
        }
    }

    /// The status bar's gear, speed and outside temperature, redrawn when their text
    /// changes; unknown values show as dashes.
    fn chrome_readouts(&mut self, now: Duration) {
        let store = self.car.store();
        let readouts = Readouts {
            gear: match store.get(CURRENT_GEAR, now) {
                Some(PropertyValue::String(gear)) => Some(gear.clone()),
                _ => None,
            },
            speed: match store.get(SPEED, now) {
                Some(PropertyValue::Double(speed)) => Some(format!("{:.0} km/h", speed.abs())),
                _ => None,
            },
            temperature: match store.get(AIR_TEMPERATURE, now) {
                Some(PropertyValue::Double(celsius)) => {
                    Some(format!("{} °C", celsius.round() as i64))
                }
                _ => None,
            },
            phone: self.chrome.readouts.phone.clone(),
        };
        if readouts != self.chrome.readouts {
            self.chrome.readouts = readouts;
            self.queue_redraw_all();
        }
    }
}
