//! cowl-media: the window, the engine and the D-Bus side, started from the command line.
//!
//! The engine (library, queue, player) runs on its own thread; D-Bus (MPRIS served, Vehicle1
//! and Projection1 followed) on another; the window on the main thread. `--no-window` runs
//! the first two alone: a player driven over MPRIS.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use cowl_media::engine::{self, EngineConfig, EngineHandle};
use cowl_media::player::Sinks;
use cowl_media::{car, mpris, ui};
use cowl_sdk::bus::CowlBus;
use tracing::{info, warn};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Cowl's media app: music and video from local folders and USB media"
)]
struct Cli {
    /// A folder of music and video (repeatable). Default: the user's Music and Videos
    /// folders that exist; with neither, run from a source checkout, its demo media
    /// (assets/media).
    #[arg(long = "folder", value_name = "DIR")]
    folders: Vec<PathBuf>,
    /// Where removable media is mounted; each mount below it is scanned while mounted
    /// (repeatable). Default: /media and /run/media.
    #[arg(long = "removable-root", value_name = "DIR")]
    removable_roots: Vec<PathBuf>,
    /// The library store. Default: $XDG_CACHE_HOME/cowl-media/library.redb.
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Keep the library in memory only (every start scans).
    #[arg(long, conflicts_with = "store")]
    no_store: bool,
    /// The audio output, as a gst-launch description. Default: the system's output.
    #[arg(long, value_name = "PIPELINE")]
    audio_sink: Option<String>,
    /// Where the picture goes, as a gst-launch description, instead of the window.
    #[arg(long, value_name = "PIPELINE")]
    video_sink: Option<String>,
    /// No window: play and serve MPRIS only.
    #[arg(long)]
    no_window: bool,
    /// Do not use D-Bus (no MPRIS, no restrictions from the car, no phone audio focus).
    #[arg(long)]
    no_dbus: bool,
}

fn main() -> Result<()> {
    // The toolkit's own info lines (window attributes, adapters) are noise here.
    cowl_sdk::logging::init("info,iced_winit=warn,iced_wgpu=warn,wgpu=warn");
    let cli = Cli::parse();
    let config = EngineConfig {
        folders: if cli.folders.is_empty() {
            default_folders()
        } else {
            cli.folders
        },
        removable_roots: if cli.removable_roots.is_empty() {
            vec![PathBuf::from("/media"), PathBuf::from("/run/media")]
        } else {
            cli.removable_roots
        },
        store: if cli.no_store {
            None
        } else {
            cli.store.or_else(default_store)
        },
        sinks: Sinks {
            audio: cli.audio_sink,
            video: cli.video_sink,
        },
    };
    info!(folders = ?config.folders, store = ?config.store, "starting");
    let engine = engine::start(config)
        .map_err(anyhow::Error::msg)
        .context("cannot start playback")?;
    let _dbus = (!cli.no_dbus).then(|| start_dbus(&engine)).transpose()?;

    if cli.no_window {
        // Until SIGTERM or SIGINT; the D-Bus thread keeps the engine busy meanwhile.
        wait_for_termination()?;
    } else {
        ui::run(
            engine.commands.clone(),
            engine.snapshots.clone(),
            engine.frames.clone(),
        )
        .context("the window failed")?;
    }
    Ok(())
}

fn default_folders() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let folders: Vec<PathBuf> = ["Music", "Videos"]
        .iter()
        .filter_map(|name| home.as_ref().map(|home| home.join(name)))
        .filter(|folder| folder.is_dir())
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    match cowl_sdk::assets::in_checkout("media") {
        Some(demo) => {
            tracing::info!(folder = %demo.display(), "no Music or Videos folder: playing the checkout's demo media");
            vec![demo]
        }
        None => {
            tracing::warn!(
                "no Music or Videos folder: the library is empty (name one with --folder DIR)"
            );
            Vec::new()
        }
    }
}

fn default_store() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(cache.join("cowl-media/library.redb"))
}

/// MPRIS and the watchers, on a thread of their own with its own event loop. A missing bus
/// is a warning: the app plays without remote control.
///
/// MPRIS is served on the session bus (playerctl and the desktop find it there) and, where
/// Cowl is on another bus (the head unit's system bus, `cowl_sdk::bus`), on Cowl's bus as
/// well: the steering-wheel keys come from Cowl, and a head unit's apps may have no session
/// bus at all. The car is followed on Cowl's bus.
fn start_dbus(engine: &EngineHandle) -> Result<std::thread::JoinHandle<()>> {
    let commands = engine.commands.clone();
    let snapshots = engine.snapshots.clone();
    let position = engine.position.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the D-Bus event loop")?;
    std::thread::Builder::new()
        .name("media-dbus".into())
        .spawn(move || {
            runtime.block_on(async move {
                let serve = |builder: zbus::Result<zbus::connection::Builder<'static>>| {
                    let (commands, snapshots, position) =
                        (commands.clone(), snapshots.clone(), position.clone());
                    async move { mpris::connect(builder?, commands, snapshots, position).await }
                };
                let cowl_bus = CowlBus::from_env();
                let session = serve(Ok(zbus::connection::Builder::session())).await;
                let mut mpris_buses = Vec::new();
                let cowl = match (cowl_bus, session) {
                    (CowlBus::Session, Ok(session)) => {
                        mpris_buses.push(session.clone());
                        Ok(session)
                    }
                    (CowlBus::Session, Err(err)) => {
                        warn!("no MPRIS, no car restrictions: D-Bus failed ({err})");
                        return;
                    }
                    (elsewhere, session) => {
                        match session {
                            Ok(session) => mpris_buses.push(session),
                            Err(err) => info!("no MPRIS on a session bus ({err}): on Cowl's only"),
                        }
                        let cowl = serve(elsewhere.builder()).await;
                        if let Ok(cowl) = &cowl {
                            mpris_buses.push(cowl.clone());
                        }
                        cowl
                    }
                };
                let cowl = match cowl {
                    Ok(cowl) => cowl,
                    Err(err) => {
                        warn!("no car restrictions: Cowl's bus failed ({err})");
                        announce_on(mpris_buses, snapshots).await;
                        return;
                    }
                };
                tokio::join!(
                    announce_on(mpris_buses, snapshots.clone()),
                    car::follow_vehicle(cowl.clone(), commands.clone()),
                    car::follow_audio_focus(cowl.clone(), commands.clone(), car::PHONE_FOCUS),
                    car::follow_audio_focus(cowl, commands, car::HEAD_UNIT_FOCUS),
                );
            })
        })
        .context("cannot start the D-Bus thread")
}

/// MPRIS's change signals on every bus it is served on.
async fn announce_on(
    connections: Vec<zbus::Connection>,
    snapshots: tokio::sync::watch::Receiver<engine::Snapshot>,
) {
    futures_util::future::join_all(
        connections
            .into_iter()
            .map(|connection| mpris::announce(connection, snapshots.clone())),
    )
    .await;
}

fn wait_for_termination() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the signal loop")?;
    runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot watch SIGTERM")?;
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(())
    })
}
