//! `[keyboard]`: the seat's xkb keymap.

use serde::Deserialize;

/// xkb names of the keymap; empty values leave the choice to XKB_DEFAULT_* variables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyboardConfig {
    pub rules: String,
    pub model: String,
    pub layout: String,
    pub variant: String,
    pub options: String,
}
