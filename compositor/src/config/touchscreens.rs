//! `[[touchscreens]]`: which output each touchscreen of the DRM backend touches, and how it
//! is calibrated.

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check_some};

/// One touchscreen (`[[touchscreens]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchscreenConfig {
    /// The device's name as libinput reports it (`libinput list-devices`).
    pub name: Spanned<String>,
    /// The connector of the display it lies on (`DSI-1`, `HDMI-A-1`).
    pub output: Option<Spanned<String>>,
    /// libinput's calibration matrix `[a, b, c, d, e, f]`: a touch at normalised (x, y) is
    /// taken to be at (a·x + b·y + c, d·x + e·y + f). For a panel whose digitiser does not
    /// line up with its pixels.
    pub calibration: Option<Spanned<[f32; 6]>>,
}

impl TouchscreenConfig {
    pub(super) fn validate(&self, key: &str) -> Result<(), Invalid> {
        check_some(
            &self.calibration,
            |matrix| matrix.iter().all(|value| value.is_finite()),
            format!("{key}.calibration"),
            "six finite numbers [a, b, c, d, e, f]",
        )?;
        Ok(())
    }
}
