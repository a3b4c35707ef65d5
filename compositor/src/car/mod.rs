//! The car at run time. Frames from the configured source (SocketCAN, or a candump replay)
//! are decoded with their bus's DBC and mapped into the property store; the
//! driving state and UX restrictions follow from the store; D-Bus (Vehicle1) and the chrome
//! read them. `--vehicle sim` instead starts parked and takes values from `cowlctl vehicle
//! set`.
//!
//! Everything runs on the event loop: a frame is decoded, stored and judged in the loop
//! iteration it arrives in. Values that are not refreshed go stale (a timer re-reads the
//! store when the next one does), and unknown data is fully restricted.

pub mod at_startup;
pub mod replay;
pub mod socketcan;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::vehicle_signals::dbc;
use crate::vehicle_signals::decode::{Database, FrameId, Value};
use crate::vehicle_signals::driving::{self, DrivingInputs, DrivingState, Gear, RestrictionMap};
use crate::vehicle_signals::properties::{Mapping, PropertyValue};
use crate::vehicle_signals::store::Store;
use anyhow::{Context, Result};
use smithay::reexports::calloop::RegistrationToken;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::config::{VehicleConfig, VehicleSource};
use crate::dbus::vehicle::SimError;
use crate::state::State;

/// The demo car, built in so that `--replay` and `--vehicle sim` work without files.
const DEMO_DBC: &str = include_str!("../../../assets/vehicle/cowl-demo.dbc");
const DEMO_MAPPING: &str = include_str!("../../../assets/vehicle/cowl-demo.toml");
const DEMO_INTERFACE: &str = "can0";

use cowl_sdk::vehicle::names::{
    AIR_TEMPERATURE, CURRENT_GEAR, DAY_NIGHT, LOW_BEAM, PARKING_BRAKE, SELECTED_GEAR, SPEED,
};

/// One CAN bus: its DBC, mapping, and a decode buffer per message (made once).
struct Bus {
    interface: String,
    database: Database,
    mapping: Mapping,
    /// One per message, in the database's order.
    buffers: Vec<Vec<Option<Value>>>,
}

/// What frames came that could not be used; counted, never fatal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameCounters {
    pub decoded: u64,
    pub unknown_id: u64,
    pub undecodable: u64,
    pub unknown_interface: u64,
}

/// The car's state. What safety hangs on (the store's values, the driving state, the
/// restrictions) is private: it changes only through frames, the simulator and the
/// staleness timer, each of which judges again (`State::car_changed`); everyone else reads
/// it through the methods below.
pub struct Car {
    source: VehicleSource,
    buses: Vec<Bus>,
    store: Store,
    driving_state: DrivingState,
    restrictions: u32,
    restriction_map: RestrictionMap,
    gearbox_has_park: bool,
    pub counters: FrameCounters,
    /// Each SocketCAN bus's state (`socketcan.rs`), by interface.
    pub bus_states: std::collections::BTreeMap<String, String>,
    /// A stepped replay, waiting for Debug1.ReplayStep.
    pub replay: Option<replay::Replay>,
    /// With a stepped replay, the car's clock: the log's time of the last frame played. It
    /// stands still between steps, so a test sees the car exactly as at that moment of the
    /// log (nothing goes stale while it looks) and staleness follows the log's own gaps.
    pub frozen_now: Option<Duration>,
    /// The staleness timer and when it fires.
    expiry_timer: Option<(RegistrationToken, Duration)>,
    /// Counts changes a reader could see (values, state, bus states), so that D-Bus
    /// publishing skips its work when nothing changed.
    generation: u64,
    /// R was the last gear positively received. FMVSS 111 wants the rear view for as long as
    /// the car is in reverse, so only another gear received ends it: a gear that goes stale
    /// or unknown in R (a bus falling silent, a short frame) keeps the camera.
    reverse_latched: bool,
}

impl Car {
    /// The buses of `config` (the built-in demo car when none is configured), with paths
    /// relative to `base` (the configuration file's directory). A DBC or mapping that cannot
    /// be used is an error naming file, line and column.
    pub fn load(config: &VehicleConfig, source: VehicleSource, base: &Path) -> Result<Car> {
        let mut buses = Vec::new();
        if config.buses.is_empty() {
            let database = dbc::parse(DEMO_DBC, "<built-in cowl-demo.dbc>")?;
            let mapping = Mapping::parse(DEMO_MAPPING, "<built-in cowl-demo.toml>", &database)?;
            buses.push(Bus::new(DEMO_INTERFACE.into(), database, mapping));
        }
        for bus in &config.buses {
            let dbc_path = resolve(base, bus.dbc.get_ref());
            let database = dbc::load(&dbc_path)?;
            for warning in &database.warnings {
                warn!(dbc = %dbc_path.display(), "{warning}");
            }
            let mapping_path = resolve(base, bus.mapping.get_ref());
            let text = std::fs::read_to_string(&mapping_path)
                .with_context(|| format!("could not read {}", mapping_path.display()))?;
            let mapping = Mapping::parse(&text, &mapping_path.display().to_string(), &database)?;
            buses.push(Bus::new(bus.interface.get_ref().clone(), database, mapping));
        }
        let mut car = Car::without_data(config);
        car.source = source;
        car.buses = buses;
        if source == VehicleSource::Sim {
            car.start_parked();
        }
        Ok(car)
    }

    /// A car that knows nothing: fully restricted (a DBC that could not be loaded, when the
    /// configuration says to run on without vehicle data).
    pub fn without_data(config: &VehicleConfig) -> Car {
        Car {
            source: VehicleSource::None,
            buses: Vec::new(),
            store: Store::default(),
            driving_state: DrivingState::Unknown,
            restrictions: driving::ux::FULLY_RESTRICTED,
            restriction_map: config.restrictions.map(),
            gearbox_has_park: config.gearbox_has_park,
            counters: FrameCounters::default(),
            bus_states: Default::default(),
            replay: None,
            expiry_timer: None,
            frozen_now: None,
            generation: 0,
            reverse_latched: false,
        }
    }

    /// Where the signals come from.
    pub fn source(&self) -> VehicleSource {
        self.source
    }

    /// The latest value of every property, with its staleness.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Parked, moving or unknown, as judged from the store.
    pub fn driving_state(&self) -> DrivingState {
        self.driving_state
    }

    /// The UX restriction bits now in force (`cowl_sdk::vehicle::ux`).
    pub fn restrictions(&self) -> u32 {
        self.restrictions
    }

    /// Whether the restriction `bit` is in force (an unknown state restricts everything).
    pub fn restricts(&self, bit: u32) -> bool {
        self.restrictions & bit != 0
    }

    /// Moves with every change a reader could see (D-Bus publishes when it moved).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether the car is in reverse: R was the last gear received, whether or not that
    /// value is still fresh.
    pub fn in_reverse(&self) -> bool {
        self.reverse_latched
    }

    /// Follows the gear into and out of reverse: a gear received sets the latch; an unknown
    /// or stale one leaves it as it was.
    fn latch_reverse(&mut self, now: Duration) {
        if let Some(PropertyValue::String(gear)) = self.store.get(CURRENT_GEAR, now) {
            self.reverse_latched = gear == "R";
        }
    }

    /// The simulator's start: parked, lights off, a mild day. Its values never go stale.
    fn start_parked(&mut self) {
        let defaults = [
            (SPEED, PropertyValue::Double(0.0)),
            (CURRENT_GEAR, PropertyValue::String("P".into())),
            (SELECTED_GEAR, PropertyValue::String("P".into())),
            (PARKING_BRAKE, PropertyValue::Bool(true)),
            (LOW_BEAM, PropertyValue::Bool(false)),
            (DAY_NIGHT, PropertyValue::String("DAY".into())),
            (AIR_TEMPERATURE, PropertyValue::Double(20.0)),
        ];
        for (name, value) in defaults {
            self.store.set(name, Some(value), Duration::ZERO, None);
        }
    }

    /// The type of a property some bus maps, for the simulator's setter.
    pub fn property_type(
        &self,
        name: &str,
    ) -> Option<crate::vehicle_signals::properties::PropertyType> {
        self.buses
            .iter()
            .find_map(|bus| bus.mapping.property(name))
            .map(|spec| spec.kind)
    }

    /// Decodes one frame and stores what it maps to. Returns whether a property changed.
    pub fn frame(&mut self, interface: &str, id: FrameId, data: &[u8], now: Duration) -> bool {
        // One configured bus takes every frame (a log recorded on another interface name).
        let single = self.buses.len() == 1;
        let Some(bus) = self
            .buses
            .iter_mut()
            .find(|bus| single || bus.interface == interface)
        else {
            self.counters.unknown_interface += 1;
            return false;
        };
        let Some(index) = bus.database.index_of(id) else {
            self.counters.unknown_id += 1;
            tracing::debug!(%id, interface, "a frame with an id the DBC does not describe");
            return false;
        };
        let message = &bus.database.messages()[index];
        let values = &mut bus.buffers[index];
        if message.decode(data, values).is_err() {
            self.counters.undecodable += 1;
            return false;
        }
        self.counters.decoded += 1;
        let mut changed = false;
        for &property in bus.mapping.fed_by(id) {
            let spec = &bus.mapping.properties[property];
            let value = bus.mapping.value_of(property, &message.signals, values);
            changed |= self
                .store
                .set(&spec.name, value, now, Some(spec.stale_after));
        }
        changed
    }

    /// Recomputes the driving state and restrictions from the store; whether they changed.
    pub fn judge_at(&mut self, now: Duration) -> bool {
        let gear = match self.store.get(CURRENT_GEAR, now) {
            Some(PropertyValue::String(gear)) => Some(match gear.as_str() {
                "P" => Gear::Park,
                "R" => Gear::Reverse,
                "N" => Gear::Neutral,
                _ => Gear::Drive,
            }),
            _ => None,
        };
        let inputs = DrivingInputs {
            speed_kmh: match self.store.get(SPEED, now) {
                Some(PropertyValue::Double(speed)) => Some(*speed),
                _ => None,
            },
            gear,
            parking_brake: match self.store.get(PARKING_BRAKE, now) {
                Some(PropertyValue::Bool(engaged)) => Some(*engaged),
                _ => None,
            },
        };
        let state = driving::driving_state(inputs, self.gearbox_has_park);
        let restrictions = self.restriction_map.restrictions(state);
        let changed = state != self.driving_state || restrictions != self.restrictions;
        if state != self.driving_state {
            info!(
                from = self.driving_state.name(),
                to = state.name(),
                "driving state"
            );
        }
        self.driving_state = state;
        self.restrictions = restrictions;
        changed
    }

    /// The SocketCAN links to open: every bus with the ids its DBC describes.
    pub fn links(&self) -> Vec<socketcan::Link> {
        self.buses
            .iter()
            .map(|bus| {
                let ids = bus.database.messages().iter().map(|m| m.id).collect();
                socketcan::Link::new(bus.interface.clone(), ids)
            })
            .collect()
    }
}

impl Bus {
    fn new(interface: String, database: Database, mapping: Mapping) -> Bus {
        let buffers = database
            .messages()
            .iter()
            .map(|message| message.buffer())
            .collect();
        Bus {
            interface,
            database,
            mapping,
            buffers,
        }
    }
}

fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

impl State {
    /// The monotonic time the car's store runs on (a stepped replay's log time).
    pub fn car_now(&self) -> Duration {
        self.car
            .frozen_now
            .unwrap_or_else(|| self.clock.now().into())
    }

    /// A frame arrived from any source.
    pub fn car_frame(&mut self, interface: &str, id: FrameId, data: &[u8]) {
        self.car_frame_aged(interface, id, data, Duration::ZERO);
    }

    /// A frame that arrived `age` ago (the kernel's receive timestamp): its values go stale
    /// counting from then, not from when the loop got to it.
    pub fn car_frame_aged(&mut self, interface: &str, id: FrameId, data: &[u8], age: Duration) {
        let now = self.car_now();
        if self.car.frame(interface, id, data, now.saturating_sub(age)) {
            self.car_changed(now);
        }
    }

    /// The store changed (a frame, the simulator, a value going stale): judge again, and
    /// make sure the staleness timer fires by the next expiry. A refreshed value only moves
    /// its expiry later, so an armed timer that fires early just finds nothing stale and
    /// arms again: no timer is replaced on every frame.
    pub fn car_changed(&mut self, now: Duration) {
        self.car.generation += 1;
        self.car.latch_reverse(now);
        // First, so that a frame the changes below ask for waits for the camera's.
        self.car_reverse();
        let keyboard_was_restricted = self.keyboard_restricted();
        if self.car.judge_at(now) {
            // Covers come and go with the restrictions, dock buttons grey and ungrey, and a
            // restricted app gives way when the car starts moving.
            self.queue_redraw_all();
            self.shell_enforce_restrictions();
            if self.keyboard_restricted() != keyboard_was_restricted {
                self.osk_keyboard_restriction_changed();
            }
        }
        self.chrome_follow_car(now);
        self.steering_keys(now);
        // On a stepped replay's clock, time moves only with steps, which judge again.
        if self.car.frozen_now.is_some() {
            return;
        }
        let Some(expiry) = self.car.store.next_expiry(now) else {
            return;
        };
        if let Some((token, armed)) = self.car.expiry_timer {
            if armed <= expiry {
                return;
            }
            self.loop_handle.remove(token);
            self.car.expiry_timer = None;
        }
        let timer = Timer::from_duration(expiry.saturating_sub(now));
        let token = self.loop_handle.insert_source(timer, |_, _, state| {
            state.car.expiry_timer = None;
            let now = state.car_now();
            state.car_changed(now);
            TimeoutAction::Drop
        });
        match token {
            Ok(token) => self.car.expiry_timer = Some((token, expiry)),
            Err(err) => warn!("could not arm the staleness timer: {err}"),
        }
    }

    /// Debug1.ReplayStep: plays the stepped replay's next `count` frames; how many there were
    /// (`None` without a stepped replay).
    pub fn car_replay_step(&mut self, count: u32) -> Option<u32> {
        let mut replay = self.car.replay.take()?;
        let played = replay.step(self, count);
        self.car.replay = Some(replay);
        Some(played)
    }

    /// A SocketCAN bus changed state; Vehicle1 shows it in BusStates.
    pub fn car_bus_state(&mut self, interface: &str, bus_state: &str) {
        let previous = self
            .car
            .bus_states
            .insert(interface.to_string(), bus_state.to_string());
        if previous.as_deref() != Some(bus_state) {
            info!(interface, state = bus_state, "CAN bus");
            self.car.generation += 1;
        }
    }

    /// In R the camera shows above everything: redraw at once (once the camera's first frame
    /// is in, `FIRST_FRAME_WAIT` at most), and every 100 ms while in R so that frames that
    /// stop turn into the fallback screen; out of R, the view as before.
    fn car_reverse(&mut self) {
        let reversing = self.reversing();
        if reversing == self.reverse_timer.is_some() {
            return;
        }
        self.camera.watch(reversing);
        if reversing {
            self.camera_hold_redraws();
        }
        self.queue_redraw_all();
        if let Some(token) = self.reverse_timer.take() {
            self.loop_handle.remove(token);
            info!("reverse ended: camera hidden");
            return;
        }
        info!("reverse: camera shown");
        self.projection_reverse_began();
        let timer = Timer::from_duration(Duration::from_millis(100));
        let token = self.loop_handle.insert_source(timer, |_, _, state| {
            state.queue_redraw_all();
            TimeoutAction::ToDuration(Duration::from_millis(100))
        });
        match token {
            Ok(token) => self.reverse_timer = Some(token),
            Err(err) => warn!("could not watch the camera: {err}"),
        }
    }

    /// `Vehicle1.Set` in simulator mode: parses `text` as the property's type and stores it.
    pub fn car_simulate(&mut self, name: &str, text: &str) -> Result<(), SimError> {
        if self.car.source != VehicleSource::Sim {
            return Err(SimError::NotSimulating);
        }
        let kind = self
            .car
            .property_type(name)
            .ok_or_else(|| SimError::UnknownProperty(name.to_string()))?;
        let value = kind.parse(text).ok_or_else(|| {
            SimError::BadValue(format!(
                "{text:?} is not a {} value",
                format!("{kind:?}").to_lowercase()
            ))
        })?;
        let now = self.car_now();
        self.car.store.set(name, Some(value), now, None);
        self.car_changed(now);
        Ok(())
    }

    /// Starts the configured source (the simulator needs nothing started).
    pub fn car_start(&mut self, replay: Option<replay::ReplayOptions>) {
        info!(source = ?self.car.source, "vehicle signals");
        let now = self.car_now();
        self.car_changed(now);
        if let Some(options) = replay {
            replay::start(self, options);
        } else if self.car.source == VehicleSource::Can {
            let links = self.car.links();
            socketcan::start(self, links);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two buses, each with its DBC and mapping (the demo car's, twice).
    fn two_buses() -> Car {
        let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/vehicle");
        let text = format!(
            "[[vehicle.buses]]\ninterface = \"pt\"\ndbc = \"{assets}/cowl-demo.dbc\"\n\
             mapping = \"{assets}/cowl-demo.toml\"\n\
             [[vehicle.buses]]\ninterface = \"body\"\ndbc = \"{assets}/cowl-demo.dbc\"\n\
             mapping = \"{assets}/cowl-demo.toml\"\n"
        );
        let config = crate::config::parse(&text, "test.toml").expect("valid");
        Car::load(&config.vehicle, VehicleSource::Can, Path::new("/")).expect("loads")
    }

    #[test]
    fn frames_go_to_the_bus_of_their_interface() {
        let mut car = two_buses();
        let gear = FrameId {
            id: 0x123,
            extended: false,
        };
        assert!(car.frame("body", gear, &[0x11, 0, 0, 0], Duration::ZERO));
        assert_eq!(
            car.store.get(CURRENT_GEAR, Duration::ZERO),
            Some(&PropertyValue::String("R".into()))
        );
        assert!(!car.frame("infotainment", gear, &[0x33, 0, 0, 0], Duration::ZERO));
        assert_eq!(car.counters.unknown_interface, 1);
        let unknown = FrameId {
            id: 0x7FF,
            extended: false,
        };
        assert!(!car.frame("pt", unknown, &[0], Duration::ZERO));
        assert_eq!((car.counters.unknown_id, car.counters.decoded), (1, 1));
        assert_eq!(car.links().len(), 2);
    }
}
