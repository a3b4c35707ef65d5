//! The configuration: one TOML file, typed and validated before anything starts.
//!
//! The built-in defaults come from `assets/config/cowl.toml`, compiled in; `/etc/cowl/cowl.toml`
//! or `--config FILE` replaces them as a whole. Unknown keys, wrong types and values that make
//! no sense are errors that name the file, line, column and key, and cowl refuses to start
//! rather than run half-configured. `cowl --check-config FILE` runs the same checks alone.
//!
//! One file per section, each with its types and its own `validate`; `load.rs` reads the
//! file and places errors, `invalid.rs` is what a failed check says. This module owns parsing
//! and validation only; the shell, the keyboard, the car and the
//! safety code read the typed values. It is in the library (no display needed), so that the
//! configuration's fuzz target (the workspace's fuzz/ package) reaches it.

mod apps;
mod camera;
mod dbus;
mod invalid;
mod keyboard;
mod load;
mod osk;
mod outputs;
mod security;
mod shell;
mod touchscreens;
mod vehicle;
mod watchdog;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Deserialize;

pub use apps::{AppConfig, AppRole, RestartPolicy};
pub use camera::CameraConfig;
pub use dbus::{BusChoice, DbusConfig};
use invalid::Invalid;
pub use keyboard::KeyboardConfig;
pub use load::{BUILT_IN, ConfigError, ConfigSource, SYSTEM_PATH, load, parse};
pub use osk::{OskConfig, signal_named};
pub use outputs::{
    Colour, Edge, LayoutConfig, ModeRequest, OutputConfig, OutputRole, OutputTransform, Panel,
    SCALE_RANGE,
};
pub use security::SecurityConfig;
pub use shell::{ShellConfig, ThemeChoice};
pub use touchscreens::TouchscreenConfig;
pub use vehicle::{
    BusConfig, OnBadDbc, RestrictionConfig, VehicleConfig, VehicleSource, restriction_bit,
};
pub use watchdog::WatchdogConfig;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub keyboard: KeyboardConfig,
    #[serde(default)]
    pub outputs: Vec<OutputConfig>,
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    #[serde(default)]
    pub watchdog: WatchdogConfig,
    #[serde(default)]
    pub shell: ShellConfig,
    #[serde(default)]
    pub dbus: DbusConfig,
    #[serde(default)]
    pub security: SecurityConfig,
    #[serde(default)]
    pub osk: Option<OskConfig>,
    #[serde(default)]
    pub vehicle: VehicleConfig,
    #[serde(default)]
    pub camera: CameraConfig,
    /// Touchscreens of the DRM backend, by libinput device name: which output each one
    /// touches and how it is calibrated. An unlisted touchscreen goes to the output its udev
    /// `WL_OUTPUT` property names, else to the first output.
    #[serde(default)]
    pub touchscreens: Vec<TouchscreenConfig>,
}

impl Config {
    /// Every section checks itself; the apps are checked against each other and the outputs.
    fn validate(&self) -> Result<(), Invalid> {
        for (index, touchscreen) in self.touchscreens.iter().enumerate() {
            touchscreen.validate(&format!("touchscreens[{index}]"))?;
        }
        let mut output_names = HashMap::new();
        for (index, output) in self.outputs.iter().enumerate() {
            let first_named = output_names.insert(output.name.get_ref().clone(), index);
            output.validate(&format!("outputs[{index}]"), first_named)?;
        }
        self.vehicle.validate()?;
        self.watchdog.validate()?;
        self.shell.validate()?;
        self.security.validate()?;
        if let Some(osk) = &self.osk {
            osk.validate()?;
        }
        apps::validate(&self.apps, &self.outputs)
    }
}

impl Config {
    /// The configuration of the output with this connector name, if any.
    pub fn output(&self, name: &str) -> Option<&OutputConfig> {
        self.outputs
            .iter()
            .find(|output| output.name.get_ref() == name)
    }

    /// The declaration of an app by its xdg app_id, if it is declared.
    pub fn app(&self, app_id: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|app| app.id.get_ref() == app_id)
    }

    /// The role of an app_id: as declared, main for an app that is not.
    pub fn role(&self, app_id: &str) -> AppRole {
        self.app(app_id).map_or(AppRole::Main, |app| app.role)
    }

    /// The background of an output: its configured colour, black when it is not configured.
    pub fn background(&self, output_name: &str) -> Colour {
        self.output(output_name)
            .map(|output| output.layout.background)
            .unwrap_or_default()
    }
}
