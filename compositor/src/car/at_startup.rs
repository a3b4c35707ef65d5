//! Loading the car at start-up: which source its signals come from, its DBCs and mappings,
//! and the replay to play, from the configuration and the command line.
//!
//! A car's DBC files can be large (the 807 KB `ford_lincoln_base_pt.dbc` of the decoder's
//! cross-check takes about 100 ms to parse natively on the build machine, many times that on
//! a head unit's core), and nothing the first frame shows needs them: it is the black
//! curtain, drawn fully restricted. So [`start`] parses them on a thread of their own, begun
//! before the compositor's state and displays, and the event loop takes the car when it is
//! ready ([`State::car_loaded`]), whether the first frame is out by then or not. Until then
//! the car is one without data: fully restricted, every value unknown, as on a bus that has
//! not spoken yet. Ready (READY=1) waits for the car, so that the apps started after Cowl
//! see it. A DBC or mapping that cannot be used stops Cowl with the same error, naming file,
//! line and column, or runs it without vehicle data where configured; only its moment moves
//! to after the displays are up. `--check-config` calls [`load`] directly.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use smithay::reexports::calloop::{LoopHandle, channel};
use tracing::{error, info};

use super::Car;
use super::replay::{ReplayLog, ReplayOptions};
use crate::cli::Cli;
use crate::config::{OnBadDbc, VehicleConfig, VehicleSource};
use crate::state::State;

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

/// Starts loading the car on a thread of its own; the loop hands the result to
/// [`State::car_loaded`]. Where no thread can be started, the car is loaded here and handed
/// over the same way.
pub fn start(
    loop_handle: &LoopHandle<'static, State>,
    request: CarRequest,
    vehicle: VehicleConfig,
    base: PathBuf,
) -> Result<()> {
    let (sender, receiver) = channel::channel::<Result<LoadedCar>>();
    let mut handed_over = false;
    loop_handle
        .insert_source(receiver, move |event, _, state| match event {
            channel::Event::Msg(loaded) => {
                handed_over = true;
                state.car_loaded(loaded);
            }
            // The thread ended without a car: it panicked (its message is on stderr).
            channel::Event::Closed if !handed_over => {
                state.car_loaded(Err(anyhow::anyhow!("loading the vehicle's data panicked")))
            }
            channel::Event::Closed => {}
        })
        .map_err(|err| anyhow::anyhow!("could not watch the car's loading: {err}"))?;
    // Kept for loading here: the thread takes the originals.
    let here = (request.clone(), vehicle.clone(), base.clone());
    let thread_sender = sender.clone();
    let spawned = std::thread::Builder::new()
        .name("cowl-car-load".into())
        .spawn(move || {
            let began = Instant::now();
            let loaded = load(&request, &vehicle, &base);
            let ms = began.elapsed().as_secs_f64() * 1000.0;
            info!(ms = format!("{ms:.1}"), "vehicle data loaded");
            // The loop is gone only when Cowl is stopping: nothing is waiting for the car.
            let _ = thread_sender.send(loaded);
        });
    if let Err(err) = spawned {
        info!("loading the car on the main thread: no thread for it: {err}");
        let (request, vehicle, base) = here;
        let _ = sender.send(load(&request, &vehicle, &base));
    }
    Ok(())
}

impl State {
    /// The car is loaded: it replaces the car without data and starts playing or listening.
    /// A car that cannot be loaded stops Cowl with its error (`main` returns it).
    pub fn car_loaded(&mut self, loaded: Result<LoadedCar>) {
        match loaded {
            Ok((mut car, replay)) => {
                // D-Bus publishes when the generation moves: it never goes back.
                car.generation = self.car.generation;
                // The car without data has no values to expire; should it have armed the
                // timer all the same, it goes with that car.
                if let Some((token, _)) = self.car.expiry_timer.take() {
                    self.loop_handle.remove(token);
                }
                self.car = car;
                self.startup.reached("car");
                self.car_start(replay);
                // The loaded car may have been judged already (the simulator starts
                // parked): what the car without data kept hidden may show now.
                self.shell_enforce_restrictions();
                self.queue_redraw_all();
                self.startup_car_settled();
            }
            Err(err) => {
                self.fatal_error = Some(err);
                self.loop_signal.stop();
            }
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

    fn missing_dbc(on_bad_dbc: &str) -> VehicleConfig {
        toml::from_str(&format!(
            "on_bad_dbc = \"{on_bad_dbc}\"\n[[buses]]\ninterface = \"can0\"\n\
             dbc = \"missing.dbc\"\nmapping = \"missing.toml\"\n"
        ))
        .expect("a vehicle section")
    }

    #[test]
    fn the_simulator_starts_parked_on_the_built_in_car() {
        let (car, replay) = load(&request(), &VehicleConfig::default(), Path::new("."))
            .expect("the built-in car loads");
        assert_eq!(car.source, VehicleSource::Sim);
        assert!(replay.is_none());
        let values = car.store.snapshot(std::time::Duration::ZERO);
        assert_eq!(
            values.get(cowl_sdk::vehicle::names::CURRENT_GEAR),
            Some(&crate::vehicle_signals::properties::PropertyValue::String(
                "P".into()
            ))
        );
    }

    #[test]
    fn a_missing_dbc_is_an_error_naming_it() {
        let err = load(
            &request(),
            &missing_dbc("refuse"),
            Path::new("/nonexistent"),
        )
        .err()
        .expect("a missing DBC is an error");
        let message = format!("{err:#}");
        assert!(message.contains("cannot be used"), "{message}");
        assert!(message.contains("/nonexistent/missing.dbc"), "{message}");
    }

    #[test]
    fn a_missing_dbc_may_give_a_car_without_data() {
        let vehicle = missing_dbc("run-without-vehicle-data");
        let (car, _) = load(&request(), &vehicle, Path::new("/nonexistent"))
            .expect("configured to run without vehicle data");
        assert_eq!(car.source, VehicleSource::None);
        assert!(car.store.snapshot(std::time::Duration::ZERO).is_empty());
    }

    #[test]
    fn a_replay_needs_a_log() {
        let request = CarRequest {
            vehicle: Some(VehicleSource::Replay),
            ..request()
        };
        let err = load(&request, &VehicleConfig::default(), Path::new("."))
            .err()
            .expect("no log to play");
        assert!(format!("{err}").contains("needs --replay FILE"), "{err}");
    }
}
