//! `[shell]`: the start-up curtain's timeout, the split, the theme and whether unknown apps
//! may show while driving.

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check_some, millis_or, or_default};

/// The configured theme: fixed, or following the car.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeChoice {
    Day,
    #[default]
    Night,
    /// The car's DayNightMode: its first value at once, each change once it has held for
    /// `[shell] day_night_hold_ms`, so that a short tunnel does not flicker the screen.
    Auto,
}

/// The shell as a whole.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShellConfig {
    /// The start-up curtain lifts when every autostart app has shown, or after this long.
    pub ready_timeout_ms: Option<Spanned<u64>>,
    /// In a split, the share of the app area's width that the first app gets (the second
    /// gets the rest).
    pub split_ratio: Option<Spanned<f64>>,
    /// The chrome's theme: "night" (dark, the default), "day", or "auto" (the car's
    /// DayNightMode).
    pub theme: ThemeChoice,
    /// With theme "auto": how long a new DayNightMode must hold before the theme follows.
    pub day_night_hold_ms: Option<Spanned<u64>>,
    /// Whether apps that are not declared (or not verified as the app they claim to be,
    /// `identity.rs`) may be shown while the car moves. Nobody has checked that they are
    /// distraction-optimized, so by default they are not.
    #[serde(default)]
    pub show_unknown_apps_while_driving: bool,
}

impl ShellConfig {
    const DEFAULT_READY_TIMEOUT_MS: u64 = 5_000;
    const DEFAULT_DAY_NIGHT_HOLD_MS: u64 = 5_000;

    pub fn day_night_hold(&self) -> std::time::Duration {
        millis_or(&self.day_night_hold_ms, Self::DEFAULT_DAY_NIGHT_HOLD_MS)
    }

    pub fn ready_timeout(&self) -> std::time::Duration {
        millis_or(&self.ready_timeout_ms, Self::DEFAULT_READY_TIMEOUT_MS)
    }

    const DEFAULT_SPLIT_RATIO: f64 = 0.6;

    pub fn split_ratio(&self) -> f64 {
        or_default(&self.split_ratio, Self::DEFAULT_SPLIT_RATIO)
    }
}

impl ShellConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        check_some(
            &self.ready_timeout_ms,
            |timeout| *timeout <= 120_000,
            "shell.ready_timeout_ms",
            "at most 120000 milliseconds: a driver does not wait longer",
        )?;
        check_some(
            &self.split_ratio,
            |ratio| (0.2..=0.8).contains(ratio),
            "shell.split_ratio",
            "between 0.2 and 0.8: each app of a split needs room",
        )?;
        Ok(())
    }
}
