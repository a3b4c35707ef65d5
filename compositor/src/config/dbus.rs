//! `[dbus]`: the bus Cowl serves its APIs on.

use serde::Deserialize;

/// Where Cowl serves its D-Bus APIs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbusConfig {
    pub bus: BusChoice,
}

/// `"session"` (nested development), `"system"` (the car), `"none"`, or a D-Bus address
/// such as `"unix:path=/run/cowl/bus"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum BusChoice {
    #[default]
    Session,
    System,
    None,
    Address(String),
}

impl TryFrom<String> for BusChoice {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text.as_str() {
            "session" => Ok(BusChoice::Session),
            "system" => Ok(BusChoice::System),
            "none" => Ok(BusChoice::None),
            address if address.contains(':') && address.contains('=') => {
                Ok(BusChoice::Address(text))
            }
            _ => Err(format!(
                "expected \"session\", \"system\", \"none\" or a D-Bus address like \"unix:path=/run/bus\", got {text:?}"
            )),
        }
    }
}
