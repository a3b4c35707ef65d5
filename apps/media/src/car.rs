//! What the app follows from the car and the phone: Vehicle1's restrictions and day/night
//! mode from Cowl, Projection1's audio focus from the projection daemon. Each watcher turns
//! property values into engine [`Command`]s.
//!
//! Either service may come later than the app, go, and come back (Cowl restarts, the daemon
//! starts when a phone is plugged in). So each watcher follows the owner of the service's bus
//! name (the SDK's `follow`): for every new owner it reads the current values, then follows
//! that owner's change signals, addressed by its unique name. Until Cowl is there the app is unrestricted (Cowl
//! itself covers video apps while restricted); when the projection daemon goes, the phone
//! holds no audio focus.

use cowl_sdk::follow;
use cowl_sdk::projection::{AudioFocus, PROJECTION_NAME, PROJECTION_PATH, Projection1Proxy};
use cowl_sdk::vehicle::{self, CarUpdate};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};
use zbus::names::OwnedUniqueName;
use zbus::proxy::CacheProperties;

use crate::engine::Command;

/// Follows UxRestrictions and DayNightMode (not the motion) of whoever owns org.cowl.Vehicle (the SDK's
/// follower). Cowl gone: the last restrictions stand until it is back.
pub async fn follow_vehicle(
    connection: zbus::Connection,
    commands: mpsc::UnboundedSender<Command>,
) {
    let followed = vehicle::follow(&connection, move |update| {
        let command = match update {
            CarUpdate::Restrictions(bits) => {
                debug!(bits, "restrictions");
                Command::Restrictions(bits)
            }
            CarUpdate::Night(night) => Command::Night(night),
            // Where the car is means nothing to the player.
            CarUpdate::Motion(_) => return,
        };
        let _ = commands.send(command);
    })
    .await;
    if let Err(err) = followed {
        warn!("cannot follow the car: {err}");
    }
}

/// Follows the audio focus of whoever owns org.cowl.Projection.
pub async fn follow_phone(connection: zbus::Connection, commands: mpsc::UnboundedSender<Command>) {
    let followed = follow::follow_owners(
        &connection,
        PROJECTION_NAME,
        |owner| {
            info!(%owner, "following the phone's audio focus");
            projection_owner(connection.clone(), owner, commands.clone())
        },
        || {
            info!("the projection daemon went away");
            let _ = commands.send(Command::PhoneAudioFocus(AudioFocus::None));
        },
    )
    .await;
    if let Err(err) = followed {
        warn!("cannot follow the phone: {err}");
    }
}

/// A watcher that cannot work says so once and waits for the next owner.
async fn unfollowable(what: &str, err: zbus::Error) {
    warn!("cannot follow {what}: {err}");
    std::future::pending().await
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
    let changes = follow::property_changes(&connection, owner.clone(), PROJECTION_PATH).await;
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
