//! org.cowl.Vehicle1: the car as Cowl knows it. Read-only for apps; `set` works only when
//! Cowl runs with `--vehicle sim`.

use std::collections::HashMap;

/// The bus name of the vehicle service (Cowl also serves it under `org.cowl.Shell`).
pub const VEHICLE_NAME: &str = "org.cowl.Vehicle";

/// The VSS names of the properties Cowl's demo car and simulator publish.
pub mod names {
    pub const SPEED: &str = "Vehicle.Speed";
    pub const CURRENT_GEAR: &str = "Vehicle.Powertrain.Transmission.CurrentGear";
    pub const SELECTED_GEAR: &str = "Vehicle.Powertrain.Transmission.SelectedGear";
    pub const PARKING_BRAKE: &str = "Vehicle.Chassis.ParkingBrake.IsEngaged";
    pub const LOW_BEAM: &str = "Vehicle.Body.Lights.Beam.Low.IsOn";
    pub const DAY_NIGHT: &str = "Vehicle.Cabin.Infotainment.HMI.DayNightMode";
    pub const AIR_TEMPERATURE: &str = "Vehicle.Exterior.AirTemperature";
    pub const LATITUDE: &str = "Vehicle.CurrentLocation.Latitude";
    pub const LONGITUDE: &str = "Vehicle.CurrentLocation.Longitude";
    /// The course over ground, degrees clockwise from north.
    pub const HEADING: &str = "Vehicle.CurrentLocation.Heading";
}

/// Android Automotive's CarUxRestrictions bits, as UxRestrictions carries them.
pub mod ux {
    pub const NO_DIALPAD: u32 = 1;
    pub const NO_FILTERING: u32 = 2;
    pub const LIMIT_STRING_LENGTH: u32 = 4;
    pub const NO_KEYBOARD: u32 = 8;
    pub const NO_VIDEO: u32 = 16;
    pub const LIMIT_CONTENT: u32 = 32;
    pub const NO_SETUP: u32 = 64;
    pub const NO_TEXT_MESSAGE: u32 = 128;
    pub const NO_VOICE_TRANSCRIPTION: u32 = 256;
    /// Every restriction: what an unknown driving state means.
    pub const FULLY_RESTRICTED: u32 = 511;

    /// Each restriction's name (lowercase, as in Cowl's configuration), by bit.
    pub const NAMES: [(u32, &str); 9] = [
        (NO_DIALPAD, "no_dialpad"),
        (NO_FILTERING, "no_filtering"),
        (LIMIT_STRING_LENGTH, "limit_string_length"),
        (NO_KEYBOARD, "no_keyboard"),
        (NO_VIDEO, "no_video"),
        (LIMIT_CONTENT, "limit_content"),
        (NO_SETUP, "no_setup"),
        (NO_TEXT_MESSAGE, "no_text_message"),
        (NO_VOICE_TRANSCRIPTION, "no_voice_transcription"),
    ];

    /// The names of the restrictions set in `bits`.
    pub fn names(bits: u32) -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, name)| *name)
            .collect()
    }
}

#[zbus::proxy(
    interface = "org.cowl.Vehicle1",
    default_service = "org.cowl.Vehicle",
    default_path = "/org/cowl/Vehicle"
)]
pub trait Vehicle1 {
    /// One property's value (d, x, b or s); an error when it is not known now.
    async fn get(&self, name: &str) -> zbus::Result<zbus::OwnedVariant>;
    /// Simulator only: sets a property from text ("R", "42.5", "true").
    async fn set(&self, name: &str, value: &str) -> zbus::Result<()>;
    /// Every known, fresh property by its VSS name.
    #[zbus(property)]
    fn values(&self) -> zbus::Result<HashMap<String, zbus::OwnedVariant>>;
    /// parked, idling, moving or unknown.
    #[zbus(property)]
    fn driving_state(&self) -> zbus::Result<String>;
    /// Android Automotive's restriction bits ([`ux`]).
    #[zbus(property)]
    fn ux_restrictions(&self) -> zbus::Result<u32>;
    /// none, sim, replay or can.
    #[zbus(property)]
    fn source(&self) -> zbus::Result<String>;
    /// With source can: each bus's state by interface.
    #[zbus(property)]
    fn bus_states(&self) -> zbus::Result<HashMap<String, String>>;
}

/// What an app following the car hears ([`follow`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CarUpdate {
    /// UxRestrictions, read from a new owner or changed.
    Restrictions(u32),
    /// DayNightMode, read from a new owner or changed.
    Night(bool),
    /// Where the car is and how it moves, with every read or change of Values.
    Motion(Motion),
}

/// The car's position and motion as Vehicle1's Values says now: each part is `None` while
/// unknown (a GNSS receiver without a fix, as in a tunnel, leaves the location unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Motion {
    /// Latitude and longitude, WGS84 degrees.
    pub location: Option<(f64, f64)>,
    /// The course over ground, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    pub speed_kmh: Option<f64>,
}

impl Motion {
    /// The motion in a Values dictionary.
    pub fn from_values(values: &HashMap<String, zbus::OwnedVariant>) -> Motion {
        let number = |name: &str| {
            values
                .get(name)
                .and_then(|value| f64::try_from(value).ok())
                .filter(|value| value.is_finite())
        };
        let location = number(names::LATITUDE)
            .zip(number(names::LONGITUDE))
            .filter(|(lat, lon)| lat.abs() <= 90.0 && lon.abs() <= 180.0);
        Motion {
            location,
            heading_deg: number(names::HEADING),
            speed_kmh: number(names::SPEED),
        }
    }
}

/// Follows UxRestrictions, DayNightMode and the motion of whoever owns org.cowl.Vehicle, now and
/// whenever Cowl comes (back): each new owner's values are read, then its changes followed.
/// While Cowl is gone, nothing is sent: the last values stand. Returns when the bus
/// connection fails.
pub async fn follow(
    connection: &zbus::Connection,
    update: impl FnMut(CarUpdate) + Send + 'static,
) -> zbus::Result<()> {
    let update = std::sync::Arc::new(std::sync::Mutex::new(update));
    crate::follow::follow_owners(
        connection,
        VEHICLE_NAME,
        |owner| follow_owner(connection.clone(), owner, update.clone()),
        || {},
    )
    .await
}

async fn follow_owner<F: FnMut(CarUpdate)>(
    connection: zbus::Connection,
    owner: zbus::names::OwnedUniqueName,
    update: std::sync::Arc<std::sync::Mutex<F>>,
) {
    use futures_util::StreamExt;
    let send = |value: CarUpdate| {
        if let Ok(mut update) = update.lock() {
            update(value);
        }
    };
    // Subscribed first, then read: a change in between is seen either way.
    let changes =
        crate::follow::property_changes(&connection, owner.clone(), "/org/cowl/Vehicle").await;
    let vehicle = Vehicle1Proxy::builder(&connection)
        .destination(owner)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await;
    let (Ok(mut changes), Ok(vehicle)) = (changes, vehicle) else {
        // This owner cannot be followed; wait for the next.
        return std::future::pending().await;
    };
    if let Ok(bits) = vehicle.ux_restrictions().await {
        send(CarUpdate::Restrictions(bits));
    }
    if let Ok(values) = vehicle.values().await {
        if let Some(night) = values.get(names::DAY_NIGHT).and_then(is_night) {
            send(CarUpdate::Night(night));
        }
        send(CarUpdate::Motion(Motion::from_values(&values)));
    }
    while let Some(signal) = changes.next().await {
        let Ok(args) = signal.args() else {
            continue;
        };
        if args.interface_name().as_str() != "org.cowl.Vehicle1" {
            continue;
        }
        let changed = args.changed_properties();
        if let Some(bits) = changed
            .get("UxRestrictions")
            .and_then(|value| u32::try_from(value).ok())
        {
            send(CarUpdate::Restrictions(bits));
        }
        if let Some(values) = changed
            .get("Values")
            .and_then(|value| value.try_clone().ok())
            .and_then(|value| HashMap::<String, zbus::OwnedVariant>::try_from(value).ok())
        {
            if let Some(night) = values.get(names::DAY_NIGHT).and_then(is_night) {
                send(CarUpdate::Night(night));
            }
            send(CarUpdate::Motion(Motion::from_values(&values)));
        }
    }
    std::future::pending().await
}

fn is_night(value: &zbus::OwnedVariant) -> Option<bool> {
    match String::try_from(value.clone()).ok()?.as_str() {
        "NIGHT" => Some(true),
        "DAY" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::ux;

    #[test]
    fn restriction_names_follow_their_bits() {
        assert_eq!(
            ux::names(ux::NO_VIDEO | ux::NO_KEYBOARD),
            ["no_keyboard", "no_video"]
        );
        assert_eq!(ux::names(ux::FULLY_RESTRICTED).len(), 9);
        assert!(ux::names(0).is_empty());
    }
}
