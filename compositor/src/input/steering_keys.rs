//! Steering-wheel keys, which arrive from the car (the mapped property
//! `Vehicle.Cabin.SteeringWheel.MediaKey`: None, Next, Previous, PlayPause, sent on change):
//! a key goes to the phone projection while the phone holds audio focus for media, and to
//! the media app (MPRIS2, `org.mpris.MediaPlayer2.cowl`) otherwise. The phone gets presses
//! and releases; MPRIS has only presses.

use std::time::Duration;

use crate::vehicle_signals::properties::PropertyValue;
use cowl_sdk::projection::{AudioFocus, SteeringKey};
use tracing::{debug, info};

use crate::dbus::projection::ProjectionCall;
use crate::state::State;

/// The property the car's media keys are mapped to.
pub const MEDIA_KEY: &str = "Vehicle.Cabin.SteeringWheel.MediaKey";

fn key_named(value: &str) -> Option<SteeringKey> {
    match value {
        "Next" => Some(SteeringKey::Next),
        "Previous" => Some(SteeringKey::Previous),
        "PlayPause" => Some(SteeringKey::PlayPause),
        _ => None,
    }
}

#[derive(Default)]
pub struct SteeringKeys {
    /// The key held down now, as the car last said.
    held: Option<SteeringKey>,
}

impl State {
    /// The media key property changed (or not): presses and releases go where they belong.
    pub fn steering_keys(&mut self, now: Duration) {
        let held = match self.car.store().get(MEDIA_KEY, now) {
            Some(PropertyValue::String(value)) => key_named(value),
            _ => None,
        };
        let before = std::mem::replace(&mut self.steering_keys.held, held);
        if before == held {
            return;
        }
        if let Some(released) = before {
            self.steering_key(released, false);
        }
        if let Some(pressed) = held {
            self.steering_key(pressed, true);
        }
    }

    fn steering_key(&mut self, key: SteeringKey, pressed: bool) {
        let to_phone =
            self.phone_connected() && self.projection.audio_focus == Some(AudioFocus::Media);
        if to_phone {
            debug!(%key, pressed, "steering-wheel key to the phone");
            self.projection_call(ProjectionCall::Key(key.as_str(), pressed));
            return;
        }
        if !pressed {
            return;
        }
        let method = match key {
            SteeringKey::Next => "Next",
            SteeringKey::Previous => "Previous",
            SteeringKey::PlayPause => "PlayPause",
            SteeringKey::Voice | SteeringKey::Call => return,
        };
        info!(%key, "steering-wheel key to the media app");
        self.media_player_call(method);
    }
}
