//! The simulated phone's answers to Cowl: every call is written to the log that tests and
//! developers read (`Received`, and stderr), and what changes the picture goes to the main
//! loop.

use std::sync::{Arc, Mutex};

use calloop::channel::Sender;
use cowl_sdk::projection::{AudioFocus, NavigationFocus, ProjectionBackend, SteeringKey};
use tracing::info;

/// Something Cowl told the phone that the screen shows.
#[derive(Debug, Clone)]
pub enum Told {
    VideoFocus(bool),
    NightMode(bool),
    DrivingStatus(u32),
    AudioFocus(AudioFocus),
    /// A call was written to the log (`Received` changed).
    Recorded,
}

/// What Cowl told the phone, in order, each with its CLOCK_MONOTONIC time (ns).
pub type ReceivedLog = Arc<Mutex<Vec<(u64, String)>>>;

pub fn monotonic_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

pub struct SimBackend {
    pub log: ReceivedLog,
    pub told: Sender<Told>,
}

impl SimBackend {
    fn record(&self, entry: String) {
        info!("cowl: {entry}");
        if let Ok(mut log) = self.log.lock() {
            log.push((monotonic_ns(), entry));
        }
        let _ = self.told.send(Told::Recorded);
    }
}

impl ProjectionBackend for SimBackend {
    fn set_video_focus(&mut self, focused: bool, reason: &str) -> Result<(), String> {
        self.record(format!("SetVideoFocus {focused} {reason}"));
        let _ = self.told.send(Told::VideoFocus(focused));
        Ok(())
    }

    fn set_audio_focus(&mut self, focus: AudioFocus) {
        self.record(format!("SetAudioFocus {focus}"));
        let _ = self.told.send(Told::AudioFocus(focus));
    }

    fn set_navigation_focus(&mut self, focus: NavigationFocus) {
        self.record(format!("SetNavigationFocus {focus}"));
    }

    fn set_night_mode(&mut self, night: bool) {
        self.record(format!("SetNightMode {night}"));
        let _ = self.told.send(Told::NightMode(night));
    }

    fn set_driving_status(&mut self, ux_restrictions: u32, android_auto_status: u32) {
        self.record(format!(
            "SetDrivingStatus {ux_restrictions} {android_auto_status}"
        ));
        let _ = self.told.send(Told::DrivingStatus(android_auto_status));
    }

    fn key(&mut self, key: SteeringKey, pressed: bool) {
        self.record(format!("Key {key} {pressed}"));
    }
}
