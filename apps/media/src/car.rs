//! What the app follows from the car and the phone: Vehicle1's restrictions and day/night
//! mode from Cowl, Projection1's audio focus from the projection daemon. Each watcher turns
//! property values into engine [`Command`]s.
//!
//! Either service may come later than the app, go, and come back (Cowl restarts, the daemon
//! starts when a phone is plugged in). So each watcher follows the owner of the service's bus
//! name: for every new owner it reads the current values, then follows that owner's change
//! signals, addressed by its unique name. Until Cowl is there the app is unrestricted (Cowl
//! itself covers video apps while restricted); when the projection daemon goes, the phone
//! holds no audio focus.

use std::collections::HashMap;
use std::future::Future;

use cowl_sdk::projection::{AudioFocus, PROJECTION_NAME, PROJECTION_PATH, Projection1Proxy};
use cowl_sdk::vehicle::{VEHICLE_NAME, Vehicle1Proxy, names};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};
use zbus::OwnedVariant;
use zbus::names::{BusName, OwnedUniqueName};
use zbus::proxy::CacheProperties;

use crate::engine::Command;

/// Follows UxRestrictions and DayNightMode of whoever owns org.cowl.Vehicle.
pub async fn follow_vehicle(
    connection: zbus::Connection,
    commands: mpsc::UnboundedSender<Command>,
) {
    // Cowl gone: the last restrictions stand until it is back.
    follow_owners(
        &connection,
        VEHICLE_NAME,
        |owner| vehicle_owner(connection.clone(), owner, commands.clone()),
        || {},
    )
    .await;
}

/// Follows the audio focus of whoever owns org.cowl.Projection.
pub async fn follow_phone(connection: zbus::Connection, commands: mpsc::UnboundedSender<Command>) {
    follow_owners(
        &connection,
        PROJECTION_NAME,
        |owner| projection_owner(connection.clone(), owner, commands.clone()),
        || {
            let _ = commands.send(Command::PhoneAudioFocus(AudioFocus::None));
        },
    )
    .await;
}

/// Runs `follow(owner)` for each owner `name` gets, from the current one on; a new owner
/// replaces the old one's follower, and `gone` runs when the name loses its owner. Returns
/// when the bus connection fails.
async fn follow_owners<F, Fut>(
    connection: &zbus::Connection,
    name: &'static str,
    follow: F,
    gone: impl Fn(),
) where
    F: Fn(OwnedUniqueName) -> Fut,
    Fut: Future<Output = ()>,
{
    let Ok(bus_name) = BusName::try_from(name) else {
        return;
    };
    let dbus = match zbus::fdo::DBusProxy::new(connection).await {
        Ok(dbus) => dbus,
        Err(err) => {
            warn!("cannot follow {name}: {err}");
            return;
        }
    };
    let mut owners = match dbus
        .receive_name_owner_changed_with_args(&[(0, name)])
        .await
    {
        Ok(owners) => owners,
        Err(err) => {
            warn!("cannot follow {name}: {err}");
            return;
        }
    };
    // Subscribed first, then asked: an owner that comes in between is seen either way.
    let mut owner = dbus.get_name_owner(bus_name).await.ok();
    loop {
        let next = match owner.take() {
            Some(current) => {
                info!(%current, "following {name}");
                tokio::select! {
                    () = follow(current) => owners.next().await,
                    change = owners.next() => change,
                }
            }
            None => owners.next().await,
        };
        let Some(change) = next else {
            return;
        };
        owner = change
            .args()
            .ok()
            .and_then(|args| args.new_owner().as_ref().map(|new| new.to_owned().into()));
        if owner.is_none() {
            info!("{name} went away");
            gone();
        }
    }
}

/// The changes an owner signals for `interface` at `path`: the changed properties by name.
async fn property_changes(
    connection: &zbus::Connection,
    owner: OwnedUniqueName,
    path: &'static str,
) -> zbus::Result<zbus::fdo::PropertiesChangedStream> {
    zbus::fdo::PropertiesProxy::builder(connection)
        .destination(owner)
        .path(path)
        .cache_properties(CacheProperties::No)
        .build()
        .await?
        .receive_properties_changed()
        .await
}

async fn vehicle_owner(
    connection: zbus::Connection,
    owner: OwnedUniqueName,
    commands: mpsc::UnboundedSender<Command>,
) {
    // Subscribed first, then read: a change in between is seen either way.
    let changes = property_changes(&connection, owner.clone(), "/org/cowl/Vehicle").await;
    let vehicle = Vehicle1Proxy::builder(&connection)
        .destination(owner)
        .cache_properties(CacheProperties::No)
        .build()
        .await;
    let (mut changes, vehicle) = match (changes, vehicle) {
        (Ok(changes), Ok(vehicle)) => (changes, vehicle),
        (Err(err), _) | (_, Err(err)) => return unfollowable("the car's restrictions", err).await,
    };
    if let Ok(bits) = vehicle.ux_restrictions().await {
        let _ = commands.send(Command::Restrictions(bits));
    }
    if let Some(night) = vehicle
        .values()
        .await
        .ok()
        .and_then(|values| values.get(names::DAY_NIGHT).and_then(is_night))
    {
        let _ = commands.send(Command::Night(night));
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
            debug!(bits, "restrictions");
            let _ = commands.send(Command::Restrictions(bits));
        }
        if let Some(night) = changed
            .get("Values")
            .and_then(|value| value.try_clone().ok())
            .and_then(|value| HashMap::<String, OwnedVariant>::try_from(value).ok())
            .and_then(|values| values.get(names::DAY_NIGHT).and_then(is_night))
        {
            let _ = commands.send(Command::Night(night));
        }
    }
    std::future::pending().await
}

/// A watcher that cannot work says so once and waits for the next owner.
async fn unfollowable(what: &str, err: zbus::Error) {
    warn!("cannot follow {what}: {err}");
    std::future::pending().await
}

fn is_night(value: &OwnedVariant) -> Option<bool> {
    match String::try_from(value.clone()).ok()?.as_str() {
        "NIGHT" => Some(true),
        "DAY" => Some(false),
        _ => None,
    }
}

async fn projection_owner(
    connection: zbus::Connection,
    owner: OwnedUniqueName,
    commands: mpsc::UnboundedSender<Command>,
) {
    let send = |text: &str| match text.parse::<AudioFocus>() {
        Ok(focus) => {
            let _ = commands.send(Command::PhoneAudioFocus(focus));
        }
        Err(err) => warn!("the projection daemon's AudioFocus: {err}"),
    };
    let changes = property_changes(&connection, owner.clone(), PROJECTION_PATH).await;
    let projection = Projection1Proxy::builder(&connection)
        .destination(owner)
        .cache_properties(CacheProperties::No)
        .build()
        .await;
    let (mut changes, projection) = match (changes, projection) {
        (Ok(changes), Ok(projection)) => (changes, projection),
        (Err(err), _) | (_, Err(err)) => {
            return unfollowable("the phone's audio focus", err).await;
        }
    };
    if let Ok(now) = projection.audio_focus().await {
        send(now.as_str());
    }
    while let Some(signal) = changes.next().await {
        let Ok(args) = signal.args() else {
            continue;
        };
        if args.interface_name().as_str() != "org.cowl.Projection1" {
            continue;
        }
        if let Some(focus) = args
            .changed_properties()
            .get("AudioFocus")
            .and_then(|value| <&str>::try_from(value).ok())
        {
            send(focus);
        }
    }
    std::future::pending().await
}
