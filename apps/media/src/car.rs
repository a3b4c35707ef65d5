//! What the app follows from the car, the phone and the head unit: Vehicle1's restrictions
//! and day/night mode from Cowl, Projection1's audio focus from the projection daemon,
//! Shell1's audio focus (the head unit's own apps, the navigation app's prompts) from Cowl.
//! Each watcher turns property values into engine [`Command`]s.
//!
//! Either service may come later than the app, go, and come back (Cowl restarts, the daemon
//! starts when a phone is plugged in). So each watcher follows the owner of the service's bus
//! name (the SDK's `follow`): for every new owner it reads the current values, then follows
//! that owner's change signals, addressed by its unique name. Until Cowl is there the app is unrestricted (Cowl
//! itself covers video apps while restricted); when the projection daemon goes, the phone
//! holds no audio focus, and when Cowl goes, nor do the head unit's apps.

use cowl_sdk::follow;
use cowl_sdk::projection::{AudioFocus, PROJECTION_NAME, PROJECTION_PATH};
use cowl_sdk::shell::SHELL_NAME;
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

/// An audio focus the app yields to: the phone's (Projection1, granted by Cowl on the phone's
/// requests) or the head unit's own apps' (Shell1, the navigation app's prompts).
#[derive(Clone, Copy)]
pub struct FocusSource {
    name: &'static str,
    path: &'static str,
    interface: &'static str,
    what: &'static str,
    command: fn(AudioFocus) -> Command,
}

pub const PHONE_FOCUS: FocusSource = FocusSource {
    name: PROJECTION_NAME,
    path: PROJECTION_PATH,
    interface: "org.cowl.Projection1",
    what: "the phone's audio focus",
    command: Command::PhoneAudioFocus,
};

pub const HEAD_UNIT_FOCUS: FocusSource = FocusSource {
    name: SHELL_NAME,
    path: "/org/cowl/Shell",
    interface: "org.cowl.Shell1",
    what: "the head unit's audio focus",
    command: Command::HeadUnitAudioFocus,
};

/// Follows the AudioFocus property of whoever owns `source`'s name; none while nobody does.
pub async fn follow_audio_focus(
    connection: zbus::Connection,
    commands: mpsc::UnboundedSender<Command>,
    source: FocusSource,
) {
    let followed = follow::follow_owners(
        &connection,
        source.name,
        |owner| {
            info!(%owner, "following {}", source.what);
            focus_owner(connection.clone(), owner, commands.clone(), source)
        },
        || {
            info!("{} went away: {} is none", source.name, source.what);
            let _ = commands.send((source.command)(AudioFocus::None));
        },
    )
    .await;
    if let Err(err) = followed {
        warn!("cannot follow {}: {err}", source.what);
    }
}

/// A watcher that cannot work says so once and waits for the next owner.
async fn unfollowable(what: &str, err: zbus::Error) {
    warn!("cannot follow {what}: {err}");
    std::future::pending().await
}

async fn focus_owner(
    connection: zbus::Connection,
    owner: OwnedUniqueName,
    commands: mpsc::UnboundedSender<Command>,
    source: FocusSource,
) {
    let send = |text: &str| match text.parse::<AudioFocus>() {
        Ok(focus) => {
            let _ = commands.send((source.command)(focus));
        }
        Err(err) => warn!("{}: {err}", source.what),
    };
    let changes = follow::property_changes(&connection, owner.clone(), source.path).await;
    let properties = zbus::fdo::PropertiesProxy::builder(&connection)
        .destination(owner)
        .path(source.path)
        .cache_properties(CacheProperties::No)
        .build()
        .await;
    let (mut changes, properties) = match (changes, properties) {
        (Ok(changes), Ok(properties)) => (changes, properties),
        (Err(err), _) | (_, Err(err)) => {
            return unfollowable(source.what, err).await;
        }
    };
    let interface = zbus::names::InterfaceName::from_static_str_unchecked(source.interface);
    if let Ok(now) = properties.get(interface, "AudioFocus").await
        && let Ok(now) = <&str>::try_from(&*now)
    {
        send(now);
    }
    while let Some(signal) = changes.next().await {
        let Ok(args) = signal.args() else {
            continue;
        };
        if args.interface_name().as_str() != source.interface {
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
