//! The configuration: one TOML file, typed and validated before anything starts.
//!
//! The built-in defaults come from `assets/config/cowl.toml`, compiled in; `/etc/cowl/cowl.toml`
//! or `--config FILE` replaces them as a whole. Unknown keys, wrong types and values that make
//! no sense are errors that name the file, line, column and key, and cowl refuses to start
//! rather than run half-configured. `cowl --check-config FILE` runs the same checks alone.
//!
//! This module owns parsing and validation only; the shell, the keyboard, the car and the
//! safety code read the typed values. It is in the library (no display needed), so that the
//! configuration's fuzz target (the workspace's fuzz/ package) reaches it.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// The configuration compiled into the binary.
pub const BUILT_IN: &str = include_str!("../../assets/config/cowl.toml");
/// Where an installed head unit keeps its configuration.
pub const SYSTEM_PATH: &str = "/etc/cowl/cowl.toml";

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

/// The rear camera (see `camera/`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// A GStreamer pipeline ending in `appsink name=camera` with BGRx caps; none: reverse
    /// shows the "Camera unavailable" screen.
    pub pipeline: Option<String>,
}

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

/// Who may use the privileged protocols (see `trust.rs`).
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Removed: trust by executable path could be spoofed (an LD_PRELOAD into a listed
    /// program, or exec after connecting). Read only to refuse it with a way forward.
    privileged_executables: Option<Spanned<toml::Value>>,
}

/// The on-screen keyboard: a layer-shell client that types through virtual-keyboard (such
/// as wvkbd), started and kept running by Cowl, shown while a text field is enabled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OskConfig {
    pub exec: Spanned<String>,
    /// The signal that shows it (wvkbd: SIGUSR2); none for an OSK that is an input method
    /// and shows itself when activated.
    #[serde(default)]
    pub show_signal: Option<Spanned<String>>,
    /// The signal that hides it (wvkbd: SIGUSR1).
    #[serde(default)]
    pub hide_signal: Option<Spanned<String>>,
}

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
        std::time::Duration::from_millis(
            self.day_night_hold_ms
                .as_ref()
                .map_or(Self::DEFAULT_DAY_NIGHT_HOLD_MS, |ms| *ms.get_ref()),
        )
    }

    pub fn ready_timeout(&self) -> std::time::Duration {
        let ms = self
            .ready_timeout_ms
            .as_ref()
            .map_or(Self::DEFAULT_READY_TIMEOUT_MS, |v| *v.get_ref());
        std::time::Duration::from_millis(ms)
    }

    const DEFAULT_SPLIT_RATIO: f64 = 0.6;

    pub fn split_ratio(&self) -> f64 {
        self.split_ratio
            .as_ref()
            .map_or(Self::DEFAULT_SPLIT_RATIO, |v| *v.get_ref())
    }
}

/// How the compositor notices apps that stopped answering (xdg_wm_base ping/pong).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchdogConfig {
    /// An app that has not answered a ping for this long is covered as not responding.
    pub hung_after_ms: Option<Spanned<u64>>,
    /// An app that Cowl started and that stays hung this long is killed (and restarted per
    /// its policy); 0 never kills.
    pub kill_after_ms: Option<Spanned<u64>>,
}

impl WatchdogConfig {
    const DEFAULT_HUNG_AFTER_MS: u64 = 5_000;
    const DEFAULT_KILL_AFTER_MS: u64 = 10_000;

    pub fn hung_after(&self) -> std::time::Duration {
        let ms = self
            .hung_after_ms
            .as_ref()
            .map_or(Self::DEFAULT_HUNG_AFTER_MS, |v| *v.get_ref());
        std::time::Duration::from_millis(ms)
    }

    /// `None`: never kill.
    pub fn kill_after(&self) -> Option<std::time::Duration> {
        let ms = self
            .kill_after_ms
            .as_ref()
            .map_or(Self::DEFAULT_KILL_AFTER_MS, |v| *v.get_ref());
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }
}

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

/// An app of the head unit, by xdg app_id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "validated now; name, icon, role and restart feed the dock and supervisor"
)]
pub struct AppConfig {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub icon: String,
    /// The command line that starts it (run as `/bin/sh -c "exec COMMAND"`, so it is one
    /// command); none for apps started by others.
    #[serde(default)]
    pub exec: Option<Spanned<String>>,
    #[serde(default)]
    pub role: AppRole,
    /// The output it is shown on; the first configured output when absent.
    #[serde(default)]
    pub output: Option<Spanned<String>>,
    #[serde(default)]
    pub autostart: bool,
    #[serde(default)]
    pub restart: RestartPolicy,
    /// Trusted with the privileged protocols (layer-shell, screencopy, input method,
    /// virtual keyboard) when Cowl starts it.
    #[serde(default)]
    pub privileged: bool,
    /// Shows video: covered while the UX restrictions say NO_VIDEO (an app may also tag its
    /// surfaces as video with wp_content_type_v1).
    #[serde(default)]
    pub video: bool,
    /// Not distraction-optimized: cannot be opened while the car moves (or its state is
    /// unknown); when the car starts moving it is replaced by `fallback`, or home.
    #[serde(default)]
    pub restrict_while_driving: bool,
    /// The app shown instead of this one while driving (a declared app_id).
    #[serde(default)]
    pub fallback: Option<Spanned<String>>,
    /// The Unix user (a name or a uid) the app runs as when others start it (a systemd
    /// unit): clients of that user are this app. Without it, only the process Cowl starts
    /// for the app (and its descendants) is (`identity.rs`).
    #[serde(default)]
    pub user: Option<Spanned<String>>,
    /// Places and takes phone calls: its processes may hold the call audio focus over
    /// Shell1, which pauses the music and silences guidance.
    #[serde(default)]
    pub telephony: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppRole {
    /// Fills the app area when active.
    #[default]
    Main,
    /// May be shown beside a main app.
    Split,
    /// A transient window above the active app.
    Popup,
    /// Runs without being shown.
    Background,
    /// The phone-projection view.
    Projection,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    Never,
    #[default]
    OnFailure,
    Always,
}

/// Panels thicker than this leave no room for an app on any head-unit panel.
const MAX_PANEL_SIZE: u32 = 512;

/// A configuration that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key, as a path like `apps[1].restart`; empty when the file does not parse at all.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Where the configuration came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    BuiltIn,
    File(PathBuf),
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::BuiltIn => f.write_str("<built-in cowl.toml>"),
            ConfigSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Loads `--config FILE`, else the system file when it exists, else the built-in defaults.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<(Config, ConfigSource)> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(SYSTEM_PATH)).filter(|path| path.exists()),
    };
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|err| {
                anyhow::anyhow!("could not read the configuration {}: {err}", path.display())
            })?;
            let source = ConfigSource::File(path);
            let config = parse(&text, &source.to_string())?;
            Ok((config, source))
        }
        None => Ok((
            parse(BUILT_IN, &ConfigSource::BuiltIn.to_string())?,
            ConfigSource::BuiltIn,
        )),
    }
}

/// Parses and validates a configuration; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let error_at = |span: Option<Range<usize>>, key: String, message: String| {
        let (line, column) = line_and_column(text, span.map_or(0, |span| span.start));
        ConfigError {
            file: file.to_string(),
            line,
            column,
            key,
            message,
        }
    };
    let deserializer = toml::de::Deserializer::parse(text)
        .map_err(|err| error_at(err.span(), String::new(), err.message().to_string()))?;
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        // A `Spanned` value shows up in the path as serde_spanned's private field name.
        let key = err
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let inner = err.into_inner();
        error_at(inner.span(), key, inner.message().to_string())
    })?;
    validate(&config)
        .map_err(|invalid| error_at(Some(invalid.span), invalid.key, invalid.message))?;
    Ok(config)
}

struct Invalid {
    span: Range<usize>,
    key: String,
    message: String,
}

fn validate_vehicle(vehicle: &VehicleConfig) -> Result<(), Invalid> {
    if !(0.1..=1000.0).contains(vehicle.replay_speed.get_ref()) {
        return Err(Invalid {
            span: vehicle.replay_speed.span(),
            key: "vehicle.replay_speed".into(),
            message: "between 0.1 and 1000 times real time".into(),
        });
    }
    if !(1..=100).contains(vehicle.continuous_rate_hz.get_ref()) {
        return Err(Invalid {
            span: vehicle.continuous_rate_hz.span(),
            key: "vehicle.continuous_rate_hz".into(),
            message: "between 1 and 100 per second".into(),
        });
    }
    for (state, names) in [
        ("parked", &vehicle.restrictions.parked),
        ("idling", &vehicle.restrictions.idling),
        ("moving", &vehicle.restrictions.moving),
    ] {
        for (index, name) in names.iter().enumerate() {
            if restriction_bit(name.get_ref()).is_none() {
                return Err(Invalid {
                    span: name.span(),
                    key: format!("vehicle.restrictions.{state}[{index}]"),
                    message: format!(
                        "{:?} is not a UX restriction (no_dialpad, no_filtering, \
                         limit_string_length, no_keyboard, no_video, limit_content, no_setup, \
                         no_text_message, no_voice_transcription, fully_restricted)",
                        name.get_ref()
                    ),
                });
            }
        }
    }
    for (index, bus) in vehicle.buses.iter().enumerate() {
        if vehicle.buses[..index]
            .iter()
            .any(|other| other.interface.get_ref() == bus.interface.get_ref())
        {
            return Err(Invalid {
                span: bus.interface.span(),
                key: format!("vehicle.buses[{index}].interface"),
                message: format!("{:?} is configured twice", bus.interface.get_ref()),
            });
        }
    }
    Ok(())
}

fn validate(config: &Config) -> Result<(), Invalid> {
    for (index, touchscreen) in config.touchscreens.iter().enumerate() {
        if let Some(matrix) = &touchscreen.calibration
            && matrix.get_ref().iter().any(|value| !value.is_finite())
        {
            return Err(Invalid {
                span: matrix.span(),
                key: format!("touchscreens[{index}].calibration"),
                message: "six finite numbers [a, b, c, d, e, f]".into(),
            });
        }
    }
    let mut output_names = HashMap::new();
    for (index, output) in config.outputs.iter().enumerate() {
        let key = format!("outputs[{index}]");
        if let Some(mode) = &output.mode
            && ModeRequest::parse(mode.get_ref()).is_none()
        {
            return Err(Invalid {
                span: mode.span(),
                key: format!("{key}.mode"),
                message: "a mode like \"1920x720\" or \"1920x720@60\"".into(),
            });
        }
        if output.name.get_ref().trim().is_empty() {
            return Err(Invalid {
                span: output.name.span(),
                key: format!("{key}.name"),
                message: "an output needs a connector name".into(),
            });
        }
        if let Some(first) = output_names.insert(output.name.get_ref().clone(), index) {
            return Err(Invalid {
                span: output.name.span(),
                key: format!("{key}.name"),
                message: format!(
                    "output {:?} is configured twice (first as outputs[{first}])",
                    output.name.get_ref()
                ),
            });
        }
        if let Some(scale) = &output.scale
            && !SCALE_RANGE.contains(scale.get_ref())
        {
            return Err(Invalid {
                span: scale.span(),
                key: format!("{key}.scale"),
                message: format!(
                    "between {} and {} panel pixels per logical pixel",
                    SCALE_RANGE.start(),
                    SCALE_RANGE.end()
                ),
            });
        }
        validate_layout(&output.layout, &format!("{key}.layout"))?;
    }

    for (index, app) in config.apps.iter().enumerate() {
        if let Some(fallback) = &app.fallback
            && !config
                .apps
                .iter()
                .any(|other| other.id.get_ref() == fallback.get_ref())
        {
            return Err(Invalid {
                span: fallback.span(),
                key: format!("apps[{index}].fallback"),
                message: format!("{:?} is not a declared app", fallback.get_ref()),
            });
        }
    }
    validate_vehicle(&config.vehicle)?;

    if let Some(hung_after) = &config.watchdog.hung_after_ms
        && !(500..=600_000).contains(hung_after.get_ref())
    {
        return Err(Invalid {
            span: hung_after.span(),
            key: "watchdog.hung_after_ms".into(),
            message: "between 500 and 600000 milliseconds".into(),
        });
    }
    if let Some(kill_after) = &config.watchdog.kill_after_ms
        && *kill_after.get_ref() != 0
        && config.watchdog.kill_after().unwrap_or_default() < config.watchdog.hung_after()
    {
        return Err(Invalid {
            span: kill_after.span(),
            key: "watchdog.kill_after_ms".into(),
            message: "0 (never) or at least watchdog.hung_after_ms".into(),
        });
    }

    if let Some(timeout) = &config.shell.ready_timeout_ms
        && *timeout.get_ref() > 120_000
    {
        return Err(Invalid {
            span: timeout.span(),
            key: "shell.ready_timeout_ms".into(),
            message: "at most 120000 milliseconds: a driver does not wait longer".into(),
        });
    }

    if let Some(ratio) = &config.shell.split_ratio
        && !(0.2..=0.8).contains(ratio.get_ref())
    {
        return Err(Invalid {
            span: ratio.span(),
            key: "shell.split_ratio".into(),
            message: "between 0.2 and 0.8: each app of a split needs room".into(),
        });
    }

    if let Some(removed) = &config.security.privileged_executables {
        return Err(Invalid {
            span: removed.span(),
            key: "security.privileged_executables".into(),
            message: "no longer supported: a process's executable path can be spoofed. Declare \
                      the tool as an app with `privileged = true` for Cowl to start it, or run \
                      it as Cowl's user or root on the trusted socket \
                      (WAYLAND_DISPLAY=<socket>-trusted)"
                .into(),
        });
    }
    if let Some(osk) = &config.osk {
        if osk.exec.get_ref().trim().is_empty() {
            return Err(Invalid {
                span: osk.exec.span(),
                key: "osk.exec".into(),
                message: "the on-screen keyboard needs a command".into(),
            });
        }
        for (name, signal) in [
            ("show_signal", &osk.show_signal),
            ("hide_signal", &osk.hide_signal),
        ] {
            if let Some(signal) = signal
                && signal_named(signal.get_ref()).is_none()
            {
                return Err(Invalid {
                    span: signal.span(),
                    key: format!("osk.{name}"),
                    message: format!(
                        "{:?} is not one of SIGUSR1, SIGUSR2, SIGHUP, SIGCONT, SIGSTOP",
                        signal.get_ref()
                    ),
                });
            }
        }
    }

    let mut app_ids = HashMap::new();
    for (index, app) in config.apps.iter().enumerate() {
        let key = format!("apps[{index}]");
        let id = app.id.get_ref();
        if id.trim().is_empty() || id.chars().any(char::is_whitespace) {
            return Err(Invalid {
                span: app.id.span(),
                key: format!("{key}.id"),
                message: format!("{id:?} is not an app_id"),
            });
        }
        if let Some(first) = app_ids.insert(id.clone(), index) {
            return Err(Invalid {
                span: app.id.span(),
                key: format!("{key}.id"),
                message: format!("app {id:?} is declared twice (first as apps[{first}])"),
            });
        }
        let exec = app
            .exec
            .as_ref()
            .filter(|exec| !exec.get_ref().trim().is_empty());
        if app.autostart && exec.is_none() {
            return Err(Invalid {
                span: app.exec.as_ref().map_or(app.id.span(), Spanned::span),
                key: format!("{key}.exec"),
                message: format!("app {id:?} starts automatically but has no exec command"),
            });
        }
        if app.privileged && exec.is_none() {
            return Err(Invalid {
                span: app.id.span(),
                key: format!("{key}.privileged"),
                message: format!(
                    "app {id:?} is privileged but has no exec: only what Cowl starts is trusted by app"
                ),
            });
        }
        if let Some(output) = &app.output
            && !config
                .outputs
                .iter()
                .any(|o| o.name.get_ref() == output.get_ref())
        {
            return Err(Invalid {
                span: output.span(),
                key: format!("{key}.output"),
                message: format!("no output named {:?} is configured", output.get_ref()),
            });
        }
    }
    Ok(())
}

fn validate_layout(layout: &LayoutConfig, key: &str) -> Result<(), Invalid> {
    for (name, panel) in [("status_bar", &layout.status_bar), ("dock", &layout.dock)] {
        if let Some(panel) = panel
            && !(1..=MAX_PANEL_SIZE).contains(&panel.get_ref().size)
        {
            return Err(Invalid {
                span: panel.span(),
                key: format!("{key}.{name}.size"),
                message: format!("a panel is 1 to {MAX_PANEL_SIZE} pixels thick"),
            });
        }
    }
    if let (Some(bar), Some(dock)) = (&layout.status_bar, &layout.dock)
        && bar.get_ref().edge == dock.get_ref().edge
    {
        return Err(Invalid {
            span: dock.span(),
            key: format!("{key}.dock.edge"),
            message: "the dock and the status bar cannot share an edge".into(),
        });
    }
    Ok(())
}

/// The signals an on-screen keyboard may be shown and hidden with.
pub fn signal_named(name: &str) -> Option<rustix::process::Signal> {
    use rustix::process::Signal;
    match name {
        "SIGUSR1" => Some(Signal::USR1),
        "SIGUSR2" => Some(Signal::USR2),
        "SIGHUP" => Some(Signal::HUP),
        "SIGCONT" => Some(Signal::CONT),
        "SIGSTOP" => Some(Signal::STOP),
        _ => None,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ConfigError {
        parse(text, "test.toml").expect_err("the configuration must be rejected")
    }

    #[test]
    fn the_built_in_configuration_is_valid() {
        let config = parse(BUILT_IN, "built-in").expect("valid");
        assert!(config.output("HEADLESS-1").is_some());
        assert!(
            config
                .apps
                .iter()
                .any(|app| app.id.get_ref() == "org.cowl.Navigation")
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line_and_column() {
        let err = error("[keyboard]\nlayout = \"de\"\nlayuot = \"us\"\n");
        assert_eq!((err.line, err.column), (3, 1), "{err}");
        assert!(err.message.contains("unknown field `layuot`"), "{err}");
        assert!(err.to_string().starts_with("test.toml:3:1: "), "{err}");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = error("[[apps]]\nid = \"a\"\nname = \"A\"\nrestart = \"sometimes\"\n");
        assert_eq!((err.line, err.column), (4, 11), "{err}");
        assert_eq!(err.key, "apps[0].restart");
        assert!(err.message.contains("sometimes"), "{err}");
    }

    #[test]
    fn a_syntax_error_has_a_position() {
        let err = error("[keyboard\nlayout = \"de\"\n");
        assert_eq!(err.line, 1, "{err}");
        assert!(err.key.is_empty());
    }

    #[test]
    fn a_duplicate_app_id_points_at_the_second() {
        let err = error(
            "[[apps]]\nid = \"org.x\"\nname = \"X\"\n\n[[apps]]\nid = \"org.x\"\nname = \"Y\"\n",
        );
        assert_eq!((err.line, err.column), (6, 6), "{err}");
        assert_eq!(err.key, "apps[1].id");
        assert!(err.message.contains("declared twice"), "{err}");
    }

    #[test]
    fn an_output_scale_out_of_range_is_refused_and_a_transform_is_read() {
        let err = error("[[outputs]]\nname = \"A\"\nscale = 8.0\n");
        assert_eq!(
            (err.key.as_str(), err.line, err.column),
            ("outputs[0].scale", 3, 9)
        );
        let err = error("[[outputs]]\nname = \"A\"\nscale = nan\n");
        assert_eq!(err.key, "outputs[0].scale");
        let err = error("[[outputs]]\nname = \"A\"\ntransform = \"45\"\n");
        assert_eq!(err.key, "outputs[0].transform");

        let config = parse(
            "[[outputs]]\nname = \"A\"\nscale = 1.25\ntransform = \"flipped-270\"\n",
            "test.toml",
        )
        .expect("valid");
        let output = config.output("A").expect("configured");
        assert_eq!(output.scale(), 1.25);
        assert_eq!(output.transform, OutputTransform::Flipped270);
        let defaults = parse("[[outputs]]\nname = \"B\"\n", "test.toml").expect("valid");
        let output = defaults.output("B").expect("configured");
        assert_eq!(
            (output.scale(), output.transform),
            (1.0, OutputTransform::Normal)
        );
    }

    #[test]
    fn vehicle_mistakes_are_named_with_their_place() {
        let err = error("[vehicle.restrictions]\nmoving = [\"no_video\", \"no_radio\"]\n");
        assert_eq!(
            (err.key.as_str(), err.line),
            ("vehicle.restrictions.moving[1]", 2)
        );
        let err = error("[vehicle]\nreplay_speed = 0.0\n");
        assert_eq!(err.key, "vehicle.replay_speed");
        let err = error("[vehicle]\nsource = \"radio\"\n");
        assert_eq!(err.key, "vehicle.source");
        let config = parse(
            "[vehicle.restrictions]\nidling = [\"no_video\", \"no_keyboard\"]\n",
            "test.toml",
        )
        .expect("valid");
        let map = config.vehicle.restrictions.map();
        // A state not listed keeps its default: moving stays fully restricted.
        assert_eq!((map.parked, map.idling, map.moving), (0, 24, 511));
    }

    #[test]
    fn autostart_needs_a_command() {
        let err = error("[[apps]]\nid = \"org.x\"\nname = \"X\"\nautostart = true\n");
        assert_eq!(err.key, "apps[0].exec");
    }

    #[test]
    fn an_app_on_an_unknown_output_is_rejected() {
        let err = error("[[apps]]\nid = \"org.x\"\nname = \"X\"\noutput = \"HDMI-A-9\"\n");
        assert_eq!(err.key, "apps[0].output");
        assert_eq!(err.line, 4);
    }

    #[test]
    fn panels_must_fit_and_not_share_an_edge() {
        let base = "[[outputs]]\nname = \"A\"\n[outputs.layout]\n";
        let err = error(&format!(
            "{base}status_bar = {{ edge = \"top\", size = 0 }}\n"
        ));
        assert_eq!(err.key, "outputs[0].layout.status_bar.size");
        let err = error(&format!(
            "{base}status_bar = {{ edge = \"top\", size = 40 }}\ndock = {{ edge = \"top\", size = 80 }}\n"
        ));
        assert_eq!(err.key, "outputs[0].layout.dock.edge");
        assert_eq!(err.line, 5);
    }

    #[test]
    fn watchdog_times_are_checked() {
        let config = parse("", "empty").expect("empty config");
        assert_eq!(
            config.watchdog.hung_after(),
            std::time::Duration::from_secs(5)
        );
        let err = error("[watchdog]\nhung_after_ms = 10\n");
        assert_eq!((err.key.as_str(), err.line), ("watchdog.hung_after_ms", 2));
        let err = error("[watchdog]\nhung_after_ms = 5000\nkill_after_ms = 1000\n");
        assert_eq!(err.key, "watchdog.kill_after_ms");
        let never = parse("[watchdog]\nkill_after_ms = 0\n", "t").expect("valid");
        assert_eq!(never.watchdog.kill_after(), None);
    }

    #[test]
    fn colours_are_hex_triplets() {
        assert_eq!(
            Colour::try_from("#0a0B0c".to_string()),
            Ok(Colour([10, 11, 12]))
        );
        let err = error("[[outputs]]\nname = \"A\"\n[outputs.layout]\nbackground = \"blue\"\n");
        assert_eq!(err.key, "outputs[0].layout.background");
        assert_eq!(err.line, 4);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_and_column("ä = 1\nb", 7), (2, 1));
        assert_eq!(line_and_column("äb", 2), (1, 2));
    }

    #[test]
    fn output_modes_and_touchscreens_are_read_and_checked() {
        let config = parse(
            "[[outputs]]\nname = \"DSI-1\"\nmode = \"1280x800@60\"\n\
             [[touchscreens]]\nname = \"Goodix\"\noutput = \"DSI-1\"\n\
             calibration = [0.0, 1.0, 0.0, -1.0, 0.0, 1.0]\n",
            "test.toml",
        )
        .expect("valid");
        let mode = config.output("DSI-1").and_then(OutputConfig::mode);
        assert_eq!(
            mode,
            Some(ModeRequest {
                width: 1280,
                height: 800,
                refresh_hz: Some(60)
            })
        );
        assert_eq!(
            ModeRequest::parse("800x480").map(|m| m.refresh_hz),
            Some(None)
        );
        let err = error("[[outputs]]\nname = \"A\"\nmode = \"big\"\n");
        assert_eq!(
            (err.key.as_str(), err.line, err.column),
            ("outputs[0].mode", 3, 8)
        );
        let err = error("[[touchscreens]]\nname = \"T\"\ncalibration = [1.0, 0.0]\n");
        assert_eq!(err.key, "touchscreens[0].calibration");
        let err =
            error("[[touchscreens]]\nname = \"T\"\ncalibration = [nan, 0.0, 0.0, 0.0, 1.0, 0.0]\n");
        assert_eq!(err.key, "touchscreens[0].calibration");
    }
}
