//! org.cowl.Guidance1: what the navigation app's route guidance says now (the next
//! maneuver, how far to it, how far and how long to the destination), served by the
//! navigation app as `org.cowl.Guidance` on Cowl's bus, for Cowl's home view (its navigation
//! card) and for any other head-unit program that shows the next turn (a cluster display).
//! The contract is `assets/dbus/org.cowl.Guidance1.xml`.
//!
//! Both sides are here: the proxy that readers use, and [`GuidanceService`], the served
//! object with [`publish`], so that the app and the tests serve exactly the same interface.

use zbus::object_server::SignalEmitter;

/// The bus name the navigation app owns.
pub const GUIDANCE_NAME: &str = "org.cowl.Guidance";
/// Where its object is.
pub const GUIDANCE_PATH: &str = "/org/cowl/Guidance";

/// A distance as a driver reads it, the same in the app's banner and on Cowl's card: 10 m
/// steps below 100 m, 50 m steps below 1 km, tenths of a kilometre above.
pub fn distance_words(metres: f64) -> String {
    if metres >= 1000.0 {
        format!("{:.1} km", metres / 1000.0)
    } else if metres >= 100.0 {
        format!("{} m", (metres / 50.0).round() as i64 * 50)
    } else {
        format!("{} m", (metres / 10.0).round() as i64 * 10)
    }
}

/// The guidance as it stands; the default is "not guiding".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuidanceState {
    /// Guiding to a destination now.
    pub active: bool,
    /// The next maneuver, as the driver is told it: "Turn left", "Keep right", ...
    pub instruction: String,
    /// The street the maneuver leads onto; empty when it has no name.
    pub onto: String,
    /// Metres to the next maneuver.
    pub maneuver_distance_m: f64,
    /// Metres to the destination.
    pub remaining_distance_m: f64,
    /// Seconds to the destination, as the route's speeds say.
    pub remaining_time_s: u32,
}

#[zbus::proxy(
    interface = "org.cowl.Guidance1",
    default_service = "org.cowl.Guidance",
    default_path = "/org/cowl/Guidance"
)]
pub trait Guidance1 {
    #[zbus(property)]
    fn active(&self) -> zbus::Result<bool>;
    #[zbus(property)]
    fn instruction(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn onto(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn maneuver_distance(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn remaining_distance(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn remaining_time(&self) -> zbus::Result<u32>;
    /// The app_id of the app that guides (its window is what the navigation card opens).
    #[zbus(property)]
    fn desktop_entry(&self) -> zbus::Result<String>;
}

/// The served object: the last published state, and the app_id it speaks for.
pub struct GuidanceService {
    state: GuidanceState,
    desktop_entry: String,
}

impl GuidanceService {
    pub fn new(desktop_entry: &str) -> GuidanceService {
        GuidanceService {
            state: GuidanceState::default(),
            desktop_entry: desktop_entry.to_string(),
        }
    }
}

#[zbus::interface(name = "org.cowl.Guidance1")]
impl GuidanceService {
    #[zbus(property)]
    fn active(&self) -> bool {
        self.state.active
    }

    #[zbus(property)]
    fn instruction(&self) -> String {
        self.state.instruction.clone()
    }

    #[zbus(property)]
    fn onto(&self) -> String {
        self.state.onto.clone()
    }

    #[zbus(property)]
    fn maneuver_distance(&self) -> f64 {
        self.state.maneuver_distance_m
    }

    #[zbus(property)]
    fn remaining_distance(&self) -> f64 {
        self.state.remaining_distance_m
    }

    #[zbus(property)]
    fn remaining_time(&self) -> u32 {
        self.state.remaining_time_s
    }

    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        self.desktop_entry.clone()
    }
}

/// Serves a [`GuidanceService`] for `desktop_entry` at [`GUIDANCE_PATH`] and takes
/// [`GUIDANCE_NAME`] on `connection`.
pub async fn serve(connection: &zbus::Connection, desktop_entry: &str) -> zbus::Result<()> {
    connection
        .object_server()
        .at(GUIDANCE_PATH, GuidanceService::new(desktop_entry))
        .await?;
    connection.request_name(GUIDANCE_NAME).await
}

/// Makes `state` what the served object says, and signals the properties that changed.
pub async fn publish(connection: &zbus::Connection, state: GuidanceState) -> zbus::Result<()> {
    let service = connection
        .object_server()
        .interface::<_, GuidanceService>(GUIDANCE_PATH)
        .await?;
    let mut served = service.get_mut().await;
    let before = std::mem::replace(&mut served.state, state);
    let emitter: &SignalEmitter<'_> = service.signal_emitter();
    let now = &served.state;
    if before.active != now.active {
        served.active_changed(emitter).await?;
    }
    if before.instruction != now.instruction {
        served.instruction_changed(emitter).await?;
    }
    if before.onto != now.onto {
        served.onto_changed(emitter).await?;
    }
    if before.maneuver_distance_m != now.maneuver_distance_m {
        served.maneuver_distance_changed(emitter).await?;
    }
    if before.remaining_distance_m != now.remaining_distance_m {
        served.remaining_distance_changed(emitter).await?;
    }
    if before.remaining_time_s != now.remaining_time_s {
        served.remaining_time_changed(emitter).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_read_as_a_driver_reads_them() {
        assert_eq!(distance_words(34.0), "30 m");
        assert_eq!(distance_words(420.0), "400 m");
        assert_eq!(distance_words(1_260.0), "1.3 km");
    }
}
