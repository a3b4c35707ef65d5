//! The command line of `cowl`. Every flag is documented here, so that `cowl --help` is the
//! reference; parsing of values that need validation (output sizes) lives beside their type.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, ValueEnum};

/// Cowl: a Wayland compositor for car head units.
#[derive(Debug, Parser)]
#[command(name = "cowl", version, about, long_about = None)]
pub struct Cli {
    /// Where to show the screens: `drm` drives the displays and touchscreens itself (the head
    /// unit, through seatd or logind), `nested` opens a window in the desktop session (Wayland
    /// or X11), `headless` renders offscreen (tests, CI, screenshots). `auto` picks nested when
    /// WAYLAND_DISPLAY or DISPLAY is set, drm when the machine has a display controller
    /// (/dev/dri/card*), and headless otherwise.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// The drm backend's display controller, such as /dev/dri/card1. Default: the seat's
    /// primary GPU (the boot display), else its first.
    #[arg(long, value_name = "PATH")]
    pub drm_device: Option<PathBuf>,

    /// The renderer. `gles` runs on an EGL device (headless: Mesa's software device when
    /// there is no GPU; drm: the display's GPU through GBM) and falls back to `pixman` on the
    /// CPU when it cannot be set up (drm: into dumb buffers).
    #[arg(long, value_enum, default_value_t = RendererChoice::Gles)]
    pub renderer: RendererChoice,

    /// A virtual output of the headless backend, as WIDTHxHEIGHT in pixels; repeat for several
    /// outputs. Nested: the size of the window. Default: one 1920x720 output, a common wide
    /// head-unit panel.
    #[arg(long = "output", value_name = "WIDTHxHEIGHT")]
    pub outputs: Vec<OutputSize>,

    /// The Wayland socket's name in $XDG_RUNTIME_DIR. Default: the first free `wayland-N`.
    #[arg(long, value_name = "NAME")]
    pub socket: Option<String>,

    /// The configuration file (TOML). Default: /etc/cowl/cowl.toml when it exists, else the
    /// built-in configuration.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Check a configuration file and exit: 0 when it is valid, 1 with the file, line,
    /// column and key of the first problem otherwise.
    #[arg(long, value_name = "FILE")]
    pub check_config: Option<PathBuf>,

    /// Run this command once the socket is ready, with WAYLAND_DISPLAY set (for demos).
    #[arg(long, value_name = "COMMAND")]
    pub spawn: Vec<String>,

    /// Write a PNG of the first output to this path once every `--spawn`ed client has shown
    /// a window and the screen had a moment to settle (headless demos).
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,

    /// Stop once the `--screenshot` is written.
    #[arg(long, requires = "screenshot")]
    pub quit_after_screenshot: bool,

    /// Run the demo: real clients (foot terminals standing in for the apps) composited by
    /// Cowl, and the demo car's drive replayed in a loop (unless --vehicle or --replay says
    /// otherwise). Nested, the window stays until closed; headless, a screenshot is written
    /// (to `--screenshot`, default `cowl-demo.png`), its path printed, and Cowl stops.
    #[arg(long)]
    pub demo: bool,

    /// Show this fixed time (HH:MM) in the status bar instead of the local time, for
    /// reproducible screenshots and reference images.
    #[arg(long, value_name = "HH:MM", value_parser = parse_clock)]
    pub clock: Option<String>,

    /// Serve org.cowl.Debug1 on D-Bus, which injects touch input (tests, and development
    /// without a touchscreen: `cowlctl touch`). Never on a car.
    #[arg(long)]
    pub debug_input: bool,

    /// Where vehicle signals come from, instead of the configuration's `[vehicle] source`:
    /// `sim` (parked, changed by `cowlctl vehicle set`), `replay`, `can` or `none`.
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub vehicle: Option<crate::config::VehicleSource>,

    /// Plays this candump log as the vehicle's signals (implies `--vehicle replay`).
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,

    /// Plays the replay again from the start when it ends.
    #[arg(long)]
    pub replay_loop: bool,

    /// Plays the replay's frames only when org.cowl.Debug1.ReplayStep asks (with
    /// --debug-input), for tests that step through a recording.
    #[arg(long, requires = "replay")]
    pub replay_stepped: bool,
}

fn parse_clock(text: &str) -> Result<String, String> {
    let valid = text.len() == 5
        && text.as_bytes()[2] == b':'
        && text[..2].parse::<u8>().is_ok_and(|hours| hours < 24)
        && text[3..].parse::<u8>().is_ok_and(|minutes| minutes < 60);
    valid
        .then(|| text.to_string())
        .ok_or_else(|| format!("expected a time like 09:41, got {text:?}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Auto,
    Headless,
    Nested,
    Drm,
}

impl BackendChoice {
    /// Turns `auto` into the backend that fits the environment we were started in.
    pub fn resolve(self) -> BackendChoice {
        match self {
            BackendChoice::Auto => {
                let has_desktop = ["WAYLAND_DISPLAY", "DISPLAY"]
                    .iter()
                    .any(|var| std::env::var_os(var).is_some_and(|value| !value.is_empty()));
                if has_desktop {
                    BackendChoice::Nested
                } else if has_display_controller() {
                    BackendChoice::Drm
                } else {
                    BackendChoice::Headless
                }
            }
            other => other,
        }
    }
}

/// A bare seat with a display: some `/dev/dri/card*` exists.
fn has_display_controller() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("card"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererChoice {
    Gles,
    Pixman,
}

/// The pixel size of a virtual output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSize {
    pub width: i32,
    pub height: i32,
}

impl OutputSize {
    /// The panel size used when no `--output` is given.
    pub const DEFAULT: OutputSize = OutputSize {
        width: 1920,
        height: 720,
    };
    /// Larger than any panel a head unit drives; guards against typos allocating gigabytes.
    const MAX_SIDE: i32 = 16384;
}

impl FromStr for OutputSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (width, height) = text
            .split_once(['x', 'X'])
            .ok_or_else(|| format!("expected WIDTHxHEIGHT, got {text:?}"))?;
        let parse_side = |side: &str| -> Result<i32, String> {
            let value: i32 = side
                .trim()
                .parse()
                .map_err(|_| format!("{side:?} is not a whole number of pixels"))?;
            if (1..=OutputSize::MAX_SIDE).contains(&value) {
                Ok(value)
            } else {
                Err(format!("{value} is outside 1..={}", OutputSize::MAX_SIDE))
            }
        };
        Ok(OutputSize {
            width: parse_side(width)?,
            height: parse_side(height)?,
        })
    }
}

/// The demo's stand-ins for the navigation and media apps (where the apps are not built):
/// foot terminals with the apps' app_ids, each printing what it stands for.
pub const DEMO_CLIENTS: [&str; 2] = [
    "LANG=${LANG:-C.UTF-8} foot --app-id org.cowl.Navigation --override=colors.background=10222e sh -c \"printf '\\033[1;97mNavigation\\033[0m (a stand-in: foot with the app_id org.cowl.Navigation)\\n\\nCowl places apps by app_id: this one is a main app, on the left of the split.\\n'; exec sleep infinity\"",
    "LANG=${LANG:-C.UTF-8} foot --app-id org.cowl.Media --override=colors.background=2a1830 sh -c \"printf '\\033[1;97mMedia\\033[0m (a stand-in: foot with the app_id org.cowl.Media)\\n\\nA split-role app, beside the active one.\\n'; exec sleep infinity\"",
];

/// The demo shows its two apps side by side.
pub const DEMO_SPLIT: (&str, &str) = ("org.cowl.Navigation", "org.cowl.Media");

/// The demo's phone: cowl-phone-sim with a phone connected, when it is built beside cowl
/// (`cargo build --workspace`). It needs a session bus; without one it says so and exits.
pub fn demo_phone_command() -> Option<String> {
    let sim = std::env::current_exe()
        .ok()?
        .with_file_name("cowl-phone-sim");
    sim.exists()
        .then(|| format!("{:?} --connect \"Demo phone\"", sim.display().to_string()))
}

/// The demo's media app: cowl-media on the generated album and video (assets/media) when
/// it is built beside cowl and run from the source tree, with its library kept in memory.
pub fn demo_media_command() -> Option<String> {
    let media = std::env::current_exe().ok()?.with_file_name("cowl-media");
    let assets = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/media"));
    (media.exists() && assets.is_dir()).then(|| {
        format!(
            "{:?} --no-store --folder {:?}",
            media.display().to_string(),
            assets.display().to_string()
        )
    })
}

/// The demo's navigation app: cowl-nav on the bundled Helsinki map, guiding the demo drive
/// (whose GNSS track runs along Helsinki's streets) towards a museum, when it is built
/// beside cowl and run from the source tree.
pub fn demo_nav_command() -> Option<String> {
    let nav = std::env::current_exe().ok()?.with_file_name("cowl-nav");
    let assets = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets"));
    let map = assets.join("map/helsinki.cowlmap");
    (nav.exists() && map.is_file()).then(|| {
        format!(
            "{:?} --map {:?} --prompts {:?} --destination \"Amos Rex\"",
            nav.display().to_string(),
            map.display().to_string(),
            assets.join("voice/prompts").display().to_string()
        )
    })
}

/// Where the headless demo writes its screenshot unless `--screenshot` says otherwise.
pub const DEMO_SCREENSHOT: &str = "cowl-demo.png";

impl Cli {
    /// The command line of a Cowl in a test or a conformance harness: headless, Pixman, one
    /// output of `output` ("640x480"), the simulator's car.
    pub fn headless_simulated(output: &str) -> Cli {
        Cli::parse_from([
            "cowl",
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--vehicle",
            "sim",
            "--output",
            output,
        ])
    }

    /// Folds `--demo` into the plain flags it stands for, once the backend is known.
    pub fn apply_demo(&mut self, backend: BackendChoice) {
        if !self.demo {
            return;
        }
        let [navigation_stand_in, media_stand_in] = DEMO_CLIENTS;
        self.spawn
            .push(demo_nav_command().unwrap_or_else(|| navigation_stand_in.to_string()));
        self.spawn
            .push(demo_media_command().unwrap_or_else(|| media_stand_in.to_string()));
        if backend == BackendChoice::Headless {
            self.screenshot
                .get_or_insert_with(|| PathBuf::from(DEMO_SCREENSHOT));
            self.quit_after_screenshot = true;
        }
    }

    /// The outputs asked for, or the default panel.
    pub fn output_sizes(&self) -> Vec<OutputSize> {
        if self.outputs.is_empty() {
            vec![OutputSize::DEFAULT]
        } else {
            self.outputs.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_parses_width_and_height() {
        assert_eq!(
            "800x480".parse::<OutputSize>(),
            Ok(OutputSize {
                width: 800,
                height: 480
            })
        );
    }

    #[test]
    fn output_size_rejects_garbage_and_absurd_sizes() {
        assert!("800".parse::<OutputSize>().is_err());
        assert!("0x480".parse::<OutputSize>().is_err());
        assert!("axb".parse::<OutputSize>().is_err());
        assert!("100000x10".parse::<OutputSize>().is_err());
    }

    #[test]
    fn explicit_backends_resolve_to_themselves() {
        assert_eq!(BackendChoice::Headless.resolve(), BackendChoice::Headless);
        assert_eq!(BackendChoice::Nested.resolve(), BackendChoice::Nested);
    }

    #[test]
    fn headless_demo_takes_a_screenshot_and_quits() {
        let mut cli = Cli::parse_from(["cowl", "--demo"]);
        cli.apply_demo(BackendChoice::Headless);
        assert_eq!(cli.spawn.len(), DEMO_CLIENTS.len());
        assert_eq!(cli.screenshot, Some(PathBuf::from(DEMO_SCREENSHOT)));
        assert!(cli.quit_after_screenshot);
    }

    #[test]
    fn nested_demo_keeps_running() {
        let mut cli = Cli::parse_from(["cowl", "--demo"]);
        cli.apply_demo(BackendChoice::Nested);
        assert_eq!(cli.screenshot, None);
        assert!(!cli.quit_after_screenshot);
    }

    #[test]
    fn default_output_is_a_wide_head_unit_panel() {
        let cli = Cli::parse_from(["cowl"]);
        assert_eq!(cli.output_sizes(), vec![OutputSize::DEFAULT]);
    }
}
