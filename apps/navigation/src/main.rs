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
    /// The map file (made by cowl-nav-mapgen).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/usr/share/cowl/map/helsinki.cowlmap"
    )]
    map: PathBuf,
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
    /// The spoken prompts (made by assets/voice/make-prompts.sh).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/usr/share/cowl/voice/prompts"
    )]
    prompts: PathBuf,
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

fn main() -> Result<()> {
    // The toolkit's own info lines (window attributes, adapters) are noise here.
    cowl_sdk::logging::init("info,iced_winit=warn,iced_wgpu=warn,wgpu=warn");
    let cli = Cli::parse();
    let map = cowl_nav::mapdata::read(&cli.map).context("cannot load the map")?;
    tracing::info!(
        map = %cli.map.display(),
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
        let voice = Voice::with_focus(
            cli.prompts.clone(),
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
