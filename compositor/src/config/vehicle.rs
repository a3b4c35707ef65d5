//! `[vehicle]`: where the car's signals come from (simulator, replay, SocketCAN buses with
//! their DBCs and mappings) and which UX restrictions each driving state brings.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check};

/// Where vehicle signals come from and what they restrict (see `car/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VehicleConfig {
    pub source: VehicleSource,
    /// The candump log `source = "replay"` plays.
    pub replay: Option<Spanned<PathBuf>>,
    /// Plays the log again from the start when it ends.
    pub replay_loop: bool,
    /// 1 plays in real time, 10 ten times as fast.
    pub replay_speed: Spanned<f64>,
    /// The CAN buses, each with its DBC and mapping; none: the built-in demo car on `can0`.
    pub buses: Vec<BusConfig>,
    /// Whether the gearbox has a P position; without, the parking brake means parked.
    pub gearbox_has_park: bool,
    /// PropertiesChanged of continuous properties (doubles) at most this often.
    pub continuous_rate_hz: Spanned<u32>,
    /// A DBC or mapping that cannot be used: refuse to start, or run without vehicle data
    /// (fully restricted).
    pub on_bad_dbc: OnBadDbc,
    pub restrictions: RestrictionConfig,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnBadDbc {
    #[default]
    Refuse,
    RunWithoutVehicleData,
}

impl Default for VehicleConfig {
    fn default() -> Self {
        VehicleConfig {
            source: VehicleSource::default(),
            replay: None,
            replay_loop: false,
            replay_speed: Spanned::new(0..0, 1.0),
            buses: Vec::new(),
            gearbox_has_park: true,
            continuous_rate_hz: Spanned::new(0..0, 10),
            on_bad_dbc: OnBadDbc::default(),
            restrictions: RestrictionConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum VehicleSource {
    /// No vehicle data: everything unknown, so fully restricted.
    None,
    /// Simulated: parked defaults, changed with `cowlctl vehicle set`.
    #[default]
    Sim,
    /// A candump log played back.
    Replay,
    /// SocketCAN.
    Can,
}

/// One CAN bus: its interface, DBC file and property mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    pub interface: Spanned<String>,
    pub dbc: Spanned<PathBuf>,
    pub mapping: Spanned<PathBuf>,
}

/// UX restriction names (Android Automotive's, lowercase) per driving state.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RestrictionConfig {
    pub parked: Vec<Spanned<String>>,
    pub idling: Vec<Spanned<String>>,
    pub moving: Vec<Spanned<String>>,
}

impl Default for RestrictionConfig {
    fn default() -> Self {
        let names = |names: &[&str]| {
            names
                .iter()
                .map(|name| Spanned::new(0..0, name.to_string()))
                .collect()
        };
        RestrictionConfig {
            parked: Vec::new(),
            idling: names(&["no_video"]),
            moving: names(&["fully_restricted"]),
        }
    }
}

/// The bit of a restriction name; `fully_restricted` is all of them.
pub fn restriction_bit(name: &str) -> Option<u32> {
    use crate::vehicle_signals::driving::ux;
    if name == "fully_restricted" {
        return Some(ux::FULLY_RESTRICTED);
    }
    ux::NAMES
        .iter()
        .find(|(_, known)| *known == name)
        .map(|(bit, _)| *bit)
}

impl RestrictionConfig {
    pub fn map(&self) -> crate::vehicle_signals::driving::RestrictionMap {
        let bits = |names: &[Spanned<String>]| {
            names
                .iter()
                .filter_map(|name| restriction_bit(name.get_ref()))
                .fold(0, |bits, bit| bits | bit)
        };
        crate::vehicle_signals::driving::RestrictionMap {
            parked: bits(&self.parked),
            idling: bits(&self.idling),
            moving: bits(&self.moving),
        }
    }
}

impl VehicleConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        check(
            (0.1..=1000.0).contains(self.replay_speed.get_ref()),
            &self.replay_speed,
            "vehicle.replay_speed",
            "between 0.1 and 1000 times real time",
        )?;
        check(
            (1..=100).contains(self.continuous_rate_hz.get_ref()),
            &self.continuous_rate_hz,
            "vehicle.continuous_rate_hz",
            "between 1 and 100 per second",
        )?;
        for (state, names) in [
            ("parked", &self.restrictions.parked),
            ("idling", &self.restrictions.idling),
            ("moving", &self.restrictions.moving),
        ] {
            for (index, name) in names.iter().enumerate() {
                check(
                    restriction_bit(name.get_ref()).is_some(),
                    name,
                    format!("vehicle.restrictions.{state}[{index}]"),
                    format!(
                        "{:?} is not a UX restriction (no_dialpad, no_filtering, \
                         limit_string_length, no_keyboard, no_video, limit_content, no_setup, \
                         no_text_message, no_voice_transcription, fully_restricted)",
                        name.get_ref()
                    ),
                )?;
            }
        }
        for (index, bus) in self.buses.iter().enumerate() {
            check(
                !self.buses[..index]
                    .iter()
                    .any(|other| other.interface.get_ref() == bus.interface.get_ref()),
                &bus.interface,
                format!("vehicle.buses[{index}].interface"),
                format!("{:?} is configured twice", bus.interface.get_ref()),
            )?;
        }
        Ok(())
    }
}
