//! org.cowl.Vehicle1 at /org/cowl/Vehicle (bus names org.cowl.Vehicle and org.cowl.Shell):
//! the car's properties, driving state and UX restrictions, read-only for everyone. Only the
//! compositor publishes; `Set` exists for the simulator (`cowl --vehicle sim`) and refuses
//! in every other mode. Contract: `assets/dbus/org.cowl.Vehicle1.xml`.
//!
//! Reads come from a snapshot the loop refreshes after every batch of events. Changes are
//! signalled as PropertiesChanged: discrete ones (gear, lights, state) at once, continuous
//! ones (speed, temperature) at most `[vehicle] continuous_rate_hz` times a second.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::vehicle_signals::properties::PropertyValue;
use smithay::reexports::calloop::channel::Sender;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::warn;
use zbus::{Connection, interface};
use zbus::{OwnedVariant, Variant};

use super::request::{BusRequest, Reply, ask_loop};
use crate::state::State;

pub const VEHICLE_NAME: &str = "org.cowl.Vehicle";
pub const VEHICLE_PATH: &str = "/org/cowl/Vehicle";

/// What Vehicle1 shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VehicleSnapshot {
    /// Every known, fresh property.
    pub values: BTreeMap<String, PropertyValue>,
    pub driving_state: String,
    pub restrictions: u32,
    pub source: String,
    /// Each SocketCAN bus's state by interface.
    pub bus_states: BTreeMap<String, String>,
}

impl VehicleSnapshot {
    /// Whether anything but a continuous value (a double) differs.
    fn discrete_change(&self, other: &VehicleSnapshot) -> bool {
        let discrete = |snapshot: &VehicleSnapshot| -> Vec<(String, Option<PropertyValue>)> {
            snapshot
                .values
                .iter()
                .map(|(name, value)| {
                    let shown = (!matches!(value, PropertyValue::Double(_))).then(|| value.clone());
                    (name.clone(), shown)
                })
                .collect()
        };
        self.driving_state != other.driving_state
            || self.restrictions != other.restrictions
            || self.source != other.source
            || self.bus_states != other.bus_states
            || discrete(self) != discrete(other)
    }
}

/// Errors as D-Bus callers see them: `org.cowl.Vehicle1.Error.<Variant>`.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.cowl.Vehicle1.Error")]
pub enum VehicleBusError {
    #[zbus(error)]
    ZBus(zbus::Error),
    /// No property of that name is known now (not mapped, or its value is stale).
    Unknown(String),
    /// Setting properties outside the simulator.
    NotPermitted(String),
    InvalidArgs(String),
    Failed(String),
}

/// Why the simulator refused a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    NotSimulating,
    UnknownProperty(String),
    BadValue(String),
}

impl From<SimError> for VehicleBusError {
    fn from(err: SimError) -> Self {
        match err {
            SimError::NotSimulating => VehicleBusError::NotPermitted(
                "vehicle properties can be set only when cowl runs with --vehicle sim".into(),
            ),
            SimError::UnknownProperty(name) => {
                VehicleBusError::Unknown(format!("no vehicle property is named {name}"))
            }
            SimError::BadValue(message) => VehicleBusError::InvalidArgs(message),
        }
    }
}

/// A Vehicle1 call that the event loop answers.
pub enum VehicleRequest {
    /// `Set` (simulator only): property name and value as text.
    Set(String, String, Reply<Result<(), SimError>>),
}

pub struct VehicleInterface {
    requests: Sender<BusRequest>,
    snapshot: Arc<Mutex<VehicleSnapshot>>,
}

impl VehicleInterface {
    pub fn new(requests: Sender<BusRequest>, snapshot: Arc<Mutex<VehicleSnapshot>>) -> Self {
        VehicleInterface { requests, snapshot }
    }

    fn read(&self) -> VehicleSnapshot {
        match self.snapshot.lock() {
            Ok(snapshot) => snapshot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

fn variant(value: &PropertyValue) -> OwnedVariant {
    let value = match value {
        PropertyValue::Bool(value) => Variant::from(*value),
        PropertyValue::Int(value) => Variant::from(*value),
        PropertyValue::Double(value) => Variant::from(*value),
        PropertyValue::String(value) => Variant::from(value.as_str()),
    };
    // Only file descriptors fail to become owned values, and these are never one.
    value
        .try_to_owned()
        .unwrap_or_else(|_| OwnedVariant::from(false))
}

#[interface(name = "org.cowl.Vehicle1")]
impl VehicleInterface {
    /// One property's value: d, x, b or s by its type.
    async fn get(&self, name: String) -> Result<OwnedVariant, VehicleBusError> {
        self.read()
            .values
            .get(&name)
            .map(variant)
            .ok_or_else(|| VehicleBusError::Unknown(format!("{name} is not known now")))
    }

    /// Simulator only: sets a property from text ("R", "42.5", "true").
    async fn set(&self, name: String, value: String) -> Result<(), VehicleBusError> {
        let request = |reply| VehicleRequest::Set(name, value, reply);
        ask_loop(&self.requests, request, VehicleBusError::Failed)
            .await?
            .map_err(VehicleBusError::from)
    }

    /// Every known, fresh property by its VSS name.
    #[zbus(property)]
    async fn values(&self) -> HashMap<String, OwnedVariant> {
        self.read()
            .values
            .iter()
            .map(|(name, value)| (name.clone(), variant(value)))
            .collect()
    }

    /// parked, idling, moving or unknown.
    #[zbus(property)]
    async fn driving_state(&self) -> String {
        self.read().driving_state
    }

    /// Android Automotive's CarUxRestrictions bits.
    #[zbus(property)]
    async fn ux_restrictions(&self) -> u32 {
        self.read().restrictions
    }

    /// Where the signals come from: none, sim, replay or can.
    #[zbus(property)]
    async fn source(&self) -> String {
        self.read().source
    }

    /// With source can: each bus by interface, as error-active, error-passive, bus-off, down
    /// (reopening) or unavailable (the kernel has no SocketCAN).
    #[zbus(property)]
    async fn bus_states(&self) -> HashMap<String, String> {
        self.read().bus_states.into_iter().collect()
    }
}

async fn emit_changes(
    connection: &Connection,
    previous: &VehicleSnapshot,
    current: &VehicleSnapshot,
) -> zbus::Result<()> {
    let interface = connection
        .object_server()
        .interface::<_, VehicleInterface>(VEHICLE_PATH)
        .await?;
    let emitter = interface.signal_emitter();
    let vehicle = interface.get().await;
    if current.values != previous.values {
        vehicle.values_changed(emitter).await?;
    }
    if current.driving_state != previous.driving_state {
        vehicle.driving_state_changed(emitter).await?;
    }
    if current.restrictions != previous.restrictions {
        vehicle.ux_restrictions_changed(emitter).await?;
    }
    if current.source != previous.source {
        vehicle.source_changed(emitter).await?;
    }
    if current.bus_states != previous.bus_states {
        vehicle.bus_states_changed(emitter).await?;
    }
    Ok(())
}

impl State {
    fn vehicle_snapshot(&self) -> VehicleSnapshot {
        let now = self.car_now();
        VehicleSnapshot {
            values: self.car.store().snapshot(now),
            driving_state: self.car.driving_state().name().to_string(),
            restrictions: self.car.restrictions(),
            source: format!("{:?}", self.car.source()).to_lowercase(),
            bus_states: self.car.bus_states.clone(),
        }
    }

    /// After every batch of events: fresh reads, and PropertiesChanged for what changed,
    /// continuous values coalesced.
    pub fn vehicle_publish(&mut self) {
        // Most batches of events (client requests, frames) leave the car as it was.
        if self.car.generation() == self.dbus.vehicle_generation {
            return;
        }
        self.dbus.vehicle_generation = self.car.generation();
        self.vehicle_emit();
    }

    /// Refreshes what reads return and signals every property (`dbus_announce_all`).
    pub(super) fn vehicle_announce_all(&mut self) {
        let current = self.vehicle_snapshot();
        if let Ok(mut snapshot) = self.dbus.vehicle_snapshot.lock() {
            *snapshot = current.clone();
        }
        self.dbus.vehicle_published = current.clone();
        self.dbus.vehicle_generation = self.car.generation();
        self.dbus_signal("vehicle", async move |connection| {
            emit_changes(&connection, &VehicleSnapshot::default(), &current).await
        });
    }

    /// Refreshes what reads return and signals the changes, unless only continuous values
    /// changed within the coalescing interval (then a timer comes back for them).
    fn vehicle_emit(&mut self) {
        let current = self.vehicle_snapshot();
        if let Ok(mut snapshot) = self.dbus.vehicle_snapshot.lock() {
            *snapshot = current.clone();
        }
        if current == self.dbus.vehicle_published {
            return;
        }
        let now = self.car_now();
        let interval = Duration::from_secs(1) / *self.config.vehicle.continuous_rate_hz.get_ref();
        let since = now.saturating_sub(self.dbus.vehicle_emitted_at);
        if !current.discrete_change(&self.dbus.vehicle_published) && since < interval {
            if !self.dbus.vehicle_emit_pending {
                self.dbus.vehicle_emit_pending = true;
                let timer = Timer::from_duration(interval - since);
                let inserted = self.loop_handle.insert_source(timer, |_, _, state| {
                    state.dbus.vehicle_emit_pending = false;
                    state.vehicle_emit();
                    TimeoutAction::Drop
                });
                if let Err(err) = inserted {
                    warn!("could not schedule a vehicle signal: {err}");
                }
            }
            return;
        }
        self.dbus.vehicle_emitted_at = now;
        let previous = std::mem::replace(&mut self.dbus.vehicle_published, current.clone());
        self.dbus_signal("vehicle", async move |connection| {
            emit_changes(&connection, &previous, &current).await
        });
    }
}

impl State {
    pub fn handle_vehicle_request(&mut self, request: VehicleRequest) {
        // A caller that gave up (timeout) has dropped its receiver; the send result is moot.
        match request {
            VehicleRequest::Set(name, value, reply) => {
                let _ = reply.send(self.car_simulate(&name, &value));
            }
        }
    }
}
