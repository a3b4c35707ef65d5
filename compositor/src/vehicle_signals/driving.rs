//! Driving state and UX restrictions, with Android Automotive's rules and values: what the
//! compositor lets the driver see follows from here (video and keyboard lockouts).
//!
//! Missing or stale data never relaxes anything: an unknown state is fully restricted.

/// Android Automotive's CarDrivingStateEvent states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrivingState {
    Parked,
    Idling,
    Moving,
    Unknown,
}

impl DrivingState {
    /// The name on D-Bus and in config.
    pub fn name(self) -> &'static str {
        match self {
            DrivingState::Parked => "parked",
            DrivingState::Idling => "idling",
            DrivingState::Moving => "moving",
            DrivingState::Unknown => "unknown",
        }
    }
}

/// Android Automotive's CarUxRestrictions bits, shared with apps through cowl-sdk.
pub use cowl_sdk::vehicle::ux;

/// The gear the driver selected, as far as the driving state cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gear {
    Park,
    Reverse,
    Neutral,
    /// Any forward gear.
    Drive,
}

/// Below this speed (km/h, either direction) the car stands still: wheel-speed sensors
/// report a little noise at a standstill.
pub const STANDSTILL_KMH: f64 = 0.5;

/// What the driving state is computed from; `None` is unknown or stale.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DrivingInputs {
    pub speed_kmh: Option<f64>,
    pub gear: Option<Gear>,
    pub parking_brake: Option<bool>,
}

/// Android's rules: parked when the gear is P, or, where the gearbox has no P, when the
/// parking brake is on; otherwise idling at a standstill and moving above it. Without a
/// known speed (or, with a P position, a known gear) the state is unknown.
pub fn driving_state(inputs: DrivingInputs, gearbox_has_park: bool) -> DrivingState {
    if gearbox_has_park {
        match inputs.gear {
            Some(Gear::Park) => return DrivingState::Parked,
            Some(_) => {}
            None => return DrivingState::Unknown,
        }
    } else if inputs.parking_brake == Some(true) {
        return DrivingState::Parked;
    }
    match inputs.speed_kmh {
        Some(speed) if speed.is_finite() && speed.abs() < STANDSTILL_KMH => DrivingState::Idling,
        Some(speed) if speed.is_finite() => DrivingState::Moving,
        _ => DrivingState::Unknown,
    }
}

/// The restrictions of each driving state but unknown, which is always fully restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestrictionMap {
    pub parked: u32,
    pub idling: u32,
    pub moving: u32,
}

impl Default for RestrictionMap {
    /// Android's defaults, with video off whenever the car is out of P (NHTSA's visual-
    /// manual guidelines allow video only when parked).
    fn default() -> Self {
        RestrictionMap {
            parked: 0,
            idling: ux::NO_VIDEO,
            moving: ux::FULLY_RESTRICTED,
        }
    }
}

impl RestrictionMap {
    pub fn restrictions(&self, state: DrivingState) -> u32 {
        let bits = match state {
            DrivingState::Parked => self.parked,
            DrivingState::Idling => self.idling,
            DrivingState::Moving => self.moving,
            DrivingState::Unknown => ux::FULLY_RESTRICTED,
        };
        bits & ux::FULLY_RESTRICTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(speed: Option<f64>, gear: Option<Gear>, brake: Option<bool>) -> DrivingInputs {
        DrivingInputs {
            speed_kmh: speed,
            gear,
            parking_brake: brake,
        }
    }

    #[test]
    fn a_gearbox_with_p_is_parked_in_p_idling_at_standstill_and_moving_above() {
        let state = |speed, gear| driving_state(inputs(speed, gear, None), true);
        assert_eq!(state(Some(0.0), Some(Gear::Park)), DrivingState::Parked);
        assert_eq!(state(None, Some(Gear::Park)), DrivingState::Parked);
        assert_eq!(state(Some(0.2), Some(Gear::Drive)), DrivingState::Idling);
        assert_eq!(state(Some(-0.3), Some(Gear::Reverse)), DrivingState::Idling);
        assert_eq!(state(Some(12.0), Some(Gear::Drive)), DrivingState::Moving);
        assert_eq!(state(Some(-4.0), Some(Gear::Reverse)), DrivingState::Moving);
        assert_eq!(state(Some(0.0), Some(Gear::Neutral)), DrivingState::Idling);
    }

    #[test]
    fn missing_or_broken_data_is_unknown_never_parked() {
        let state = |speed, gear| driving_state(inputs(speed, gear, Some(true)), true);
        assert_eq!(state(Some(0.0), None), DrivingState::Unknown);
        assert_eq!(state(None, Some(Gear::Drive)), DrivingState::Unknown);
        assert_eq!(
            state(Some(f64::NAN), Some(Gear::Drive)),
            DrivingState::Unknown
        );
    }

    #[test]
    fn without_p_the_parking_brake_parks() {
        let state = |speed, brake| driving_state(inputs(speed, None, brake), false);
        assert_eq!(state(Some(0.0), Some(true)), DrivingState::Parked);
        assert_eq!(state(Some(0.0), Some(false)), DrivingState::Idling);
        assert_eq!(state(Some(30.0), None), DrivingState::Moving);
        assert_eq!(state(None, Some(false)), DrivingState::Unknown);
    }

    #[test]
    fn unknown_is_fully_restricted_whatever_the_map_says() {
        let relaxed = RestrictionMap {
            parked: 0,
            idling: 0,
            moving: 0,
        };
        assert_eq!(
            relaxed.restrictions(DrivingState::Unknown),
            ux::FULLY_RESTRICTED
        );
        let defaults = RestrictionMap::default();
        assert_eq!(defaults.restrictions(DrivingState::Parked), 0);
        assert_eq!(defaults.restrictions(DrivingState::Idling), ux::NO_VIDEO);
        assert_eq!(
            defaults.restrictions(DrivingState::Moving),
            ux::FULLY_RESTRICTED
        );
    }
}
