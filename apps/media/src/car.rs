//! What the app follows from the car and the phone: Vehicle1's restrictions and day/night
//! mode from Cowl, Projection1's audio focus from the projection daemon. Each watcher turns
//! property changes into engine [`Command`]s. Neither service need be there: until one
//! appears the app is unrestricted (parked) with no phone; zbus's proxies pick a service up
//! when its name gets an owner.

use cowl_sdk::projection::{AudioFocus, Projection1Proxy};
use cowl_sdk::vehicle::{Vehicle1Proxy, names};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tracing::{debug, warn};
use zbus::OwnedVariant;

use crate::engine::Command;

/// Follows UxRestrictions and DayNightMode until the connection closes.
pub async fn follow_vehicle(
    connection: zbus::Connection,
    commands: mpsc::UnboundedSender<Command>,
) {
    let vehicle = match Vehicle1Proxy::new(&connection).await {
        Ok(proxy) => proxy,
        Err(err) => {
            warn!("cannot follow the car's restrictions: {err}");
            return;
        }
    };
    let mut restrictions = vehicle.receive_ux_restrictions_changed().await;
    let mut values = vehicle.receive_values_changed().await;
    loop {
        tokio::select! {
            Some(change) = restrictions.next() => {
                if let Ok(bits) = change.get().await {
                    debug!(bits, "restrictions");
                    let _ = commands.send(Command::Restrictions(bits));
                }
            }
            Some(change) = values.next() => {
                if let Ok(values) = change.get().await
                    && let Some(night) = values.get(names::DAY_NIGHT).and_then(is_night)
                {
                    let _ = commands.send(Command::Night(night));
                }
            }
            else => return,
        }
    }
}

fn is_night(value: &OwnedVariant) -> Option<bool> {
    match String::try_from(value.clone()).ok()?.as_str() {
        "NIGHT" => Some(true),
        "DAY" => Some(false),
        _ => None,
    }
}

/// Follows the phone's audio focus until the connection closes.
pub async fn follow_phone(connection: zbus::Connection, commands: mpsc::UnboundedSender<Command>) {
    let projection = match Projection1Proxy::new(&connection).await {
        Ok(proxy) => proxy,
        Err(err) => {
            warn!("cannot follow the phone's audio focus: {err}");
            return;
        }
    };
    let mut focus = projection.receive_audio_focus_changed().await;
    while let Some(change) = focus.next().await {
        let Ok(text) = change.get().await else {
            continue;
        };
        match text.parse::<AudioFocus>() {
            Ok(focus) => {
                let _ = commands.send(Command::PhoneAudioFocus(focus));
            }
            Err(err) => warn!("the projection daemon's AudioFocus: {err}"),
        }
    }
}
