//! The chrome's two palettes: a light day theme and a dark night theme that does not dazzle
//! the driver. Which one is shown comes from the configuration, or with `theme = "auto"`
//! from the car's DayNightMode (`car_readouts.rs`).

use serde::Deserialize;

use super::painter::Rgba;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    Day,
    #[default]
    Night,
}

/// The configured theme (the configuration's own type).
pub use crate::config::ThemeChoice;

/// The colours of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Status bar and dock.
    pub panel: Rgba,
    /// Behind the home view's tiles.
    pub home: Rgba,
    /// Home view tiles.
    pub tile: Rgba,
    pub text: Rgba,
    /// Secondary text and placeholders ("--").
    pub text_dim: Rgba,
    /// The active app's highlight in the dock.
    pub highlight: Rgba,
    /// Marks: the running-app dot, the home button.
    pub accent: Rgba,
    /// Apps that failed or are hung.
    pub warning: Rgba,
}

impl ThemeName {
    pub fn palette(self) -> Palette {
        match self {
            ThemeName::Night => Palette {
                panel: Rgba::rgb(0x151b23),
                home: Rgba::rgb(0x0b0f14),
                tile: Rgba::rgb(0x1f2935),
                text: Rgba::rgb(0xe8edf2),
                text_dim: Rgba::rgb(0x8a96a3),
                highlight: Rgba::rgb(0x27405f),
                accent: Rgba::rgb(0x4c9aff),
                warning: Rgba::rgb(0xf0a030),
            },
            ThemeName::Day => Palette {
                panel: Rgba::rgb(0xf2f4f7),
                home: Rgba::rgb(0xdfe5eb),
                tile: Rgba::rgb(0xffffff),
                text: Rgba::rgb(0x16202a),
                text_dim: Rgba::rgb(0x5b6875),
                highlight: Rgba::rgb(0xcfe0f6),
                accent: Rgba::rgb(0x0b63d6),
                warning: Rgba::rgb(0xb86200),
            },
        }
    }
}
