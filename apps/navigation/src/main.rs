//! cowl-nav: the navigation app. See the crate's README.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use cowl_nav::app::{self, Options};
use cowl_nav::render::style::Theme;

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
    /// Drive each route by itself (demo and development).
    #[arg(long)]
    simulate: bool,
    /// Start with the night theme (until the car says otherwise).
    #[arg(long)]
    night: bool,
    /// Do not follow the car on the session bus (day/night, restrictions).
    #[arg(long)]
    no_dbus: bool,
}

fn main() -> Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,iced_winit=warn,iced_wgpu=warn,wgpu=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let map = cowl_nav::mapdata::read(&cli.map).context("cannot load the map")?;
    tracing::info!(
        map = %cli.map.display(),
        roads = map.roads.len(),
        places = map.places.len(),
        "map loaded"
    );
    app::run(Options {
        map: Arc::new(map),
        simulate: cli.simulate,
        theme: if cli.night { Theme::Night } else { Theme::Day },
        follow_car: !cli.no_dbus,
    })
    .context("the window failed")
}
