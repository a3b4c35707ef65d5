//! Loading the car at start-up: which source its signals come from, its DBCs and mappings,
//! and the replay to play, from the configuration and the command line.
//!
//! A car's DBC files can be large (the 807 KB `ford_lincoln_base_pt.dbc` of the decoder's
//! cross-check takes 76 ms to parse natively on the build machine, many times that on a head
//! unit's core), and nothing the first frame shows needs them: it is the black curtain, drawn
//! fully restricted. So [`CarLoading::start`] parses them on a thread of its own while `main`
//! builds the compositor's state and brings the displays up, and [`CarLoading::finish`] takes
//! the car before the event loop runs, so the loop never sees a car half loaded. A DBC or
//! mapping that cannot be used stops Cowl, or runs it without vehicle data where configured,
//! with the same error as when it was loaded first; only its moment moves to after the
//! displays are opened. `--check-config` calls [`load`] directly.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Result;
use tracing::{error, info};

use super::Car;
use super::replay::{ReplayLog, ReplayOptions};
use crate::cli::Cli;
use crate::config::{OnBadDbc, VehicleConfig, VehicleSource};

/// A loaded car and the replay it plays, if any.
pub type LoadedCar = (Car, Option<ReplayOptions>);

/// What the command line says about the car, owned, so that it can go to the loading thread.
#[derive(Debug, Clone)]
pub struct CarRequest {
    demo: bool,
    vehicle: Option<VehicleSource>,
    replay: Option<PathBuf>,
    replay_loop: bool,
    replay_stepped: bool,
}

impl CarRequest {
    pub fn from_cli(cli: &Cli) -> CarRequest {
        CarRequest {
            demo: cli.demo,
            vehicle: cli.vehicle,
            replay: cli.replay.clone(),
            replay_loop: cli.replay_loop,
            replay_stepped: cli.replay_stepped,
        }
    }
}

/// The car from configuration and command line: where its signals come from, its DBCs and
/// mappings (an unusable one is an error, unless the configuration says to run without
/// vehicle data), and the replay to play. Paths are relative to `base`, the configuration
/// file's directory.
pub fn load(request: &CarRequest, vehicle: &VehicleConfig, base: &Path) -> Result<LoadedCar> {
    // `--demo` drives the demo car around town unless told otherwise.
    let demo_drive = request.demo && request.replay.is_none() && request.vehicle.is_none();
    let source = if request.replay.is_some() || demo_drive {
        VehicleSource::Replay
    } else {
        request.vehicle.unwrap_or(vehicle.source)
    };
    let car = match Car::load(vehicle, source, base) {
        Ok(car) => car,
        Err(err) if vehicle.on_bad_dbc == OnBadDbc::RunWithoutVehicleData => {
            error!("running without vehicle data, fully restricted: {err:#}");
            Car::without_data(vehicle)
        }
        Err(err) => return Err(err.context("the vehicle's DBC or mapping cannot be used")),
    };
    if source != VehicleSource::Replay {
        return Ok((car, None));
    }
    let log = request
        .replay
        .clone()
        .or_else(|| {
            vehicle
                .replay
                .as_ref()
                .map(|path| base.join(path.get_ref()))
        })
        .map(ReplayLog::File)
        .or(demo_drive.then_some(ReplayLog::DemoDrive));
    let Some(log) = log else {
        anyhow::bail!("vehicle source \"replay\" needs --replay FILE or [vehicle] replay");
    };
    let replay = ReplayOptions {
        log,
        looping: request.replay_loop || vehicle.replay_loop || demo_drive,
        speed: *vehicle.replay_speed.get_ref(),
        stepped: request.replay_stepped,
    };
    Ok((car, Some(replay)))
}

/// The car being loaded while the displays come up.
pub enum CarLoading {
    /// On the loading thread.
    Thread(JoinHandle<Result<LoadedCar>>),
    /// No thread could be started: loaded on the caller's at [`CarLoading::finish`].
    Here(CarRequest, Box<VehicleConfig>, PathBuf),
}

impl CarLoading {
    /// Starts loading the car on a thread of its own.
    pub fn start(request: CarRequest, vehicle: VehicleConfig, base: PathBuf) -> CarLoading {
        // Kept for the fallback: the thread takes the originals.
        let fallback = (request.clone(), vehicle.clone(), base.clone());
        let spawned = std::thread::Builder::new()
            .name("cowl-car-load".into())
            .spawn(move || {
                let began = Instant::now();
                let loaded = load(&request, &vehicle, &base);
                let ms = began.elapsed().as_secs_f64() * 1000.0;
                info!(ms = format!("{ms:.1}"), "vehicle data loaded");
                loaded
            });
        match spawned {
            Ok(thread) => CarLoading::Thread(thread),
            Err(err) => {
                info!("loading the car on the main thread: no thread for it: {err}");
                let (request, vehicle, base) = fallback;
                CarLoading::Here(request, Box::new(vehicle), base)
            }
        }
    }

    /// The loaded car, waiting for the thread where it is not done yet.
    pub fn finish(self) -> Result<LoadedCar> {
        match self {
            CarLoading::Thread(thread) => thread.join().unwrap_or_else(|_| {
                // The panic's message is already on stderr, from the thread's panic hook.
                Err(anyhow::anyhow!("loading the vehicle's data panicked"))
            }),
            CarLoading::Here(request, vehicle, base) => load(&request, &vehicle, &base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CarRequest {
        CarRequest {
            demo: false,
            vehicle: Some(VehicleSource::Sim),
            replay: None,
            replay_loop: false,
            replay_stepped: false,
        }
    }

    #[test]
    fn the_thread_gives_the_car_that_loading_here_gives() {
        let vehicle = VehicleConfig::default();
        let base = PathBuf::from(".");
        let (on_thread, _) = CarLoading::start(request(), vehicle.clone(), base.clone())
            .finish()
            .expect("the built-in car loads on the thread");
        let (here, _) = CarLoading::Here(request(), Box::new(vehicle), base)
            .finish()
            .expect("the built-in car loads here");
        let values = |car: &Car| car.store.snapshot(std::time::Duration::ZERO);
        assert_eq!(on_thread.source, VehicleSource::Sim);
        assert_eq!(on_thread.source, here.source);
        assert_eq!(values(&on_thread), values(&here));
        assert!(
            !values(&on_thread).is_empty(),
            "the simulator starts parked"
        );
    }

    #[test]
    fn a_missing_dbc_is_an_error_from_the_thread() {
        let vehicle: VehicleConfig = toml::from_str(
            "[[buses]]\ninterface = \"can0\"\ndbc = \"missing.dbc\"\nmapping = \"missing.toml\"\n",
        )
        .expect("a vehicle section");
        let dir = std::env::temp_dir().join(format!("cowl-car-load-{}", std::process::id()));
        let err = CarLoading::start(request(), vehicle, dir.clone())
            .finish()
            .err()
            .expect("a missing DBC is an error");
        let message = format!("{err:#}");
        assert!(message.contains("cannot be used"), "{message}");
        assert!(message.contains("missing.dbc"), "{message}");
    }
}
