//! cowl-nav: the navigation app. See the crate's README.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use cowl_nav::app::{self, Options};
use cowl_nav::render::style::Theme;
use cowl_nav::voice::{Spoken, Voice};

#[derive(Parser, Debug)]
#[command(version, about = "Cowl's navigation app: the map, routes and guidance")]
struct Cli {
    /// The map file (made by cowl-nav-mapgen). Default: the installed Helsinki map
    /// (/usr/share/cowl/map/helsinki.cowlmap), else the source checkout's.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// Drive each route by itself (development without a car), instead of following the
    /// car's position.
    #[arg(long)]
    simulate: bool,
    /// Start with the night theme (until the car says otherwise).
    #[arg(long)]
    night: bool,
    /// Do not use the session bus: no following the car (position, day/night,
    /// restrictions), no audio focus from Cowl.
    #[arg(long)]
    no_dbus: bool,
    /// The spoken prompts (made by assets/voice/make-prompts.sh). Default: the installed
    /// ones (/usr/share/cowl/voice/prompts), else the source checkout's.
    #[arg(long, value_name = "DIR")]
    prompts: Option<PathBuf>,
    /// Where prompts are played, as a GStreamer description (default: the system's output).
    #[arg(long, value_name = "PIPELINE")]
    audio_sink: Option<String>,
    /// No spoken prompts.
    #[arg(long)]
    silent: bool,
    /// Start guidance at once to the place of this name (from the places list): from the
    /// car's position, or the map's centre until that is known.
    #[arg(long, value_name = "PLACE")]
    destination: Option<String>,
}

fn main() {
    // The toolkit's own info lines (window attributes, adapters) are noise here.
    cowl_sdk::logging::init("info,iced_winit=warn,iced_wgpu=warn,wgpu=warn");
    // One line that says what went wrong (and, for a missing file, how to get it), never a
    // backtrace.
    if let Err(err) = run(Cli::parse()) {
        eprintln!("cowl-nav: {err:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let map_path = match cli.map {
        Some(path) => path,
        None => cowl_sdk::assets::find(
            "map/helsinki.cowlmap",
            "make it with assets/map/make-map.sh, or name one with --map FILE",
        )
        .map_err(anyhow::Error::msg)?,
    };
    let map = cowl_nav::mapdata::read(&map_path)
        .with_context(|| format!("cannot load the map {}", map_path.display()))?;
    tracing::info!(
        map = %map_path.display(),
        roads = map.roads.len(),
        places = map.places.len(),
        "map loaded"
    );
    let voice = if cli.silent {
        None
    } else {
        // Cowl's guidance audio focus, so that the music ducks while a prompt plays.
        let focus = (!cli.no_dbus).then(|| {
            Box::new(cowl_nav::audio_focus::GuidanceFocus::new())
                as Box<dyn cowl_nav::voice::FocusHolder>
        });
        let prompts = cli.prompts.clone().unwrap_or_else(|| {
            cowl_sdk::assets::find(
                "voice/prompts",
                "make them with assets/voice/make-prompts.sh",
            )
            .unwrap_or_else(|missing| {
                tracing::warn!("no spoken prompts: {missing}");
                std::path::PathBuf::from(cowl_sdk::assets::INSTALLED).join("voice/prompts")
            })
        });
        let voice = Voice::with_focus(
            prompts,
            cli.audio_sink.clone(),
            focus,
            |spoken| match spoken {
                Spoken::Played(prompt) => tracing::info!(prompt, "prompt spoken"),
                Spoken::Interrupted(prompt) => tracing::info!(prompt, "prompt cut short"),
                Spoken::Failed { prompt, reason } => {
                    tracing::warn!(prompt, "prompt not spoken: {reason}")
                }
            },
        );
        // Guidance without a voice still shows the way.
        voice
            .map_err(|err| tracing::warn!("no spoken prompts: {err}"))
            .ok()
    };
    app::run(Options {
        map: Arc::new(map),
        simulate: cli.simulate,
        theme: if cli.night { Theme::Night } else { Theme::Day },
        follow_car: !cli.no_dbus,
        voice,
        destination: cli.destination,
    })
    .context("the window failed")
}
