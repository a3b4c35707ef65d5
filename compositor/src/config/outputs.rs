//! `[[outputs]]`: each display by its connector name: its mode, scale, transform and the
//! layout of its zones (status bar, dock, background).

use serde::Deserialize;
use toml::Spanned;

use super::invalid::{Invalid, check, check_some};

/// One display, addressed by its connector name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    pub name: Spanned<String>,
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "validated now; read by the shell's per-output apps"
    )]
    pub role: OutputRole,
    /// Panel pixels per logical pixel (1.5 on a dense panel); default 1. Apps are told it
    /// through wl_output and wp_fractional_scale; layouts and panels are in logical pixels.
    #[serde(default)]
    pub scale: Option<Spanned<f64>>,
    /// How the panel is mounted, as a wl_output transform: the picture is turned so that it
    /// is upright for the driver, and touches are turned back to match.
    #[serde(default)]
    pub transform: OutputTransform,
    #[serde(default)]
    pub layout: LayoutConfig,
    /// The DRM backend's mode for this connector, `WIDTHxHEIGHT` or `WIDTHxHEIGHT@HZ`; default
    /// the panel's preferred mode.
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
}

/// A display mode asked for in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeRequest {
    pub width: u16,
    pub height: u16,
    /// Refresh in Hz; none: the connector's best refresh at that size.
    pub refresh_hz: Option<u32>,
}

impl ModeRequest {
    /// Parses `1920x720` or `1920x720@60`.
    pub fn parse(text: &str) -> Option<ModeRequest> {
        let (size, refresh) = match text.split_once('@') {
            Some((size, refresh)) => (size, Some(refresh.trim().parse::<u32>().ok()?)),
            None => (text, None),
        };
        let (width, height) = size.trim().split_once('x')?;
        let width = width.parse::<u16>().ok().filter(|w| *w > 0)?;
        let height = height.parse::<u16>().ok().filter(|h| *h > 0)?;
        if refresh == Some(0) {
            return None;
        }
        Some(ModeRequest {
            width,
            height,
            refresh_hz: refresh,
        })
    }
}

impl OutputConfig {
    /// The configured mode; validated when the configuration is loaded.
    pub fn mode(&self) -> Option<ModeRequest> {
        self.mode
            .as_ref()
            .and_then(|mode| ModeRequest::parse(mode.get_ref()))
    }

    /// The scale to give the output; validated to lie in `SCALE_RANGE`.
    pub fn scale(&self) -> f64 {
        self.scale.as_ref().map_or(1.0, |scale| *scale.get_ref())
    }
}

/// Output scales Cowl accepts: below 0.5 nothing is legible, above 4 no panel is that dense.
pub const SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.5..=4.0;

/// The wl_output transforms, by the names `wlr-randr` and weston.ini use for them: the
/// rotation is counter-clockwise, `flipped` mirrors around the vertical axis first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum OutputTransform {
    #[default]
    #[serde(rename = "normal")]
    Normal,
    #[serde(rename = "90")]
    Rotate90,
    #[serde(rename = "180")]
    Rotate180,
    #[serde(rename = "270")]
    Rotate270,
    #[serde(rename = "flipped")]
    Flipped,
    #[serde(rename = "flipped-90")]
    Flipped90,
    #[serde(rename = "flipped-180")]
    Flipped180,
    #[serde(rename = "flipped-270")]
    Flipped270,
}

impl From<OutputTransform> for smithay::utils::Transform {
    fn from(transform: OutputTransform) -> Self {
        use smithay::utils::Transform;
        match transform {
            OutputTransform::Normal => Transform::Normal,
            OutputTransform::Rotate90 => Transform::_90,
            OutputTransform::Rotate180 => Transform::_180,
            OutputTransform::Rotate270 => Transform::_270,
            OutputTransform::Flipped => Transform::Flipped,
            OutputTransform::Flipped90 => Transform::Flipped90,
            OutputTransform::Flipped180 => Transform::Flipped180,
            OutputTransform::Flipped270 => Transform::Flipped270,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputRole {
    /// The centre stack display: the driver's main screen.
    #[default]
    Centre,
    /// A display for the front passenger.
    Passenger,
    /// A rear-seat display.
    Rear,
}

/// The zones of one output; the app area is what the panels leave.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayoutConfig {
    pub status_bar: Option<Spanned<Panel>>,
    pub dock: Option<Spanned<Panel>>,
    pub background: Colour,
}

/// A compositor-drawn panel along one edge of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub edge: Edge,
    /// Thickness in logical pixels.
    pub size: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edge {
    Top,
    Bottom,
    Left,
    Right,
}

/// An sRGB colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Colour(pub [u8; 3]);

impl TryFrom<String> for Colour {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let hex = text
            .strip_prefix('#')
            .filter(|hex| hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| format!("expected a colour like \"#0b0f14\", got {text:?}"))?;
        let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).unwrap_or(0);
        Ok(Colour([channel(0), channel(2), channel(4)]))
    }
}

/// Panels thicker than this leave no room for an app on any head-unit panel.
const MAX_PANEL_SIZE: u32 = 512;

impl OutputConfig {
    /// Checks this output (`key`: `outputs[N]`); `first_named` is the index of an earlier
    /// output with the same name, if any.
    pub(super) fn validate(&self, key: &str, first_named: Option<usize>) -> Result<(), Invalid> {
        check_some(
            &self.mode,
            |mode| ModeRequest::parse(mode).is_some(),
            format!("{key}.mode"),
            "a mode like \"1920x720\" or \"1920x720@60\"",
        )?;
        check(
            !self.name.get_ref().trim().is_empty(),
            &self.name,
            format!("{key}.name"),
            "an output needs a connector name",
        )?;
        if let Some(first) = first_named {
            return Err(Invalid::at(
                &self.name,
                format!("{key}.name"),
                format!(
                    "output {:?} is configured twice (first as outputs[{first}])",
                    self.name.get_ref()
                ),
            ));
        }
        check_some(
            &self.scale,
            |scale| SCALE_RANGE.contains(scale),
            format!("{key}.scale"),
            format!(
                "between {} and {} panel pixels per logical pixel",
                SCALE_RANGE.start(),
                SCALE_RANGE.end()
            ),
        )?;
        self.layout.validate(&format!("{key}.layout"))
    }
}

impl LayoutConfig {
    fn validate(&self, key: &str) -> Result<(), Invalid> {
        for (name, panel) in [("status_bar", &self.status_bar), ("dock", &self.dock)] {
            if let Some(panel) = panel {
                check(
                    (1..=MAX_PANEL_SIZE).contains(&panel.get_ref().size),
                    panel,
                    format!("{key}.{name}.size"),
                    format!("a panel is 1 to {MAX_PANEL_SIZE} pixels thick"),
                )?;
            }
        }
        if let (Some(bar), Some(dock)) = (&self.status_bar, &self.dock) {
            check(
                bar.get_ref().edge != dock.get_ref().edge,
                dock,
                format!("{key}.dock.edge"),
                "the dock and the status bar cannot share an edge",
            )?;
        }
        Ok(())
    }
}
