//! What the home view's cards show from the apps, read on Cowl's bus: the media app's player
//! (MPRIS2, `org.mpris.MediaPlayer2.cowl`: title, artist, playing or not) and the navigation
//! app's guidance (`org.cowl.Guidance1`: next maneuver, distance, time left). Cowl draws the
//! cards itself, so that they work with every app hung; the apps only tell.
//!
//! One future per name follows its owner (an app that starts late, dies or restarts), reads
//! the properties when the owner appears and each time it says they changed, and sends them
//! to the loop with the owner's credentials (uid and pid, from the bus daemon). The loop
//! believes a source only while its owner is the process of the declared app its
//! DesktopEntry names ([`State::is_process_of_app`], THREAT_MODEL rule 11h): any other program
//! may take a name on a shared bus, and must not put its words on Cowl's own home view. Calls
//! are bounded by the connection's method timeout: an app that hangs costs a future, never a
//! frame.

use std::collections::HashMap;

use cowl_sdk::follow::{follow_owners, property_changes};
use cowl_sdk::guidance::{GUIDANCE_NAME, GUIDANCE_PATH, GuidanceState};
use futures_util::StreamExt;
use smithay::reexports::calloop::channel::{self, Event, Sender};
use tracing::{info, warn};
use zbus::names::OwnedUniqueName;
use zbus::{Connection, OwnedVariant};

use super::MEDIA_PLAYER;
use crate::state::State;

const MPRIS_PATH: &str = "/org/mpris/MediaPlayer2";
const MPRIS_ROOT: &str = "org.mpris.MediaPlayer2";
const MPRIS_PLAYER: &str = "org.mpris.MediaPlayer2.Player";
const GUIDANCE_INTERFACE: &str = "org.cowl.Guidance1";

/// The most characters of an app's text that a card keeps (a title is a line, not a book).
const MAX_TEXT: usize = 120;

/// What the media app plays, as its card shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NowPlaying {
    pub title: String,
    pub artist: String,
    pub playing: bool,
}

/// A source's state as its owner says it, with who the owner is.
#[derive(Debug, Clone)]
pub struct Claim<T> {
    /// The owner's unique name, to report a refused one once.
    pub owner: String,
    pub uid: Option<u32>,
    pub pid: Option<u32>,
    /// The app the owner says it is (its DesktopEntry).
    pub app_id: String,
    pub value: T,
}

#[derive(Debug)]
pub enum HomeSourceEvent {
    /// The media player's state; `None`: the name has no owner.
    Player(Option<Claim<NowPlaying>>),
    Guidance(Option<Claim<GuidanceState>>),
}

/// The sources as the loop believes them: the app each speaks for, and what it says.
#[derive(Default)]
pub struct HomeSources {
    pub player: Option<(String, NowPlaying)>,
    pub guidance: Option<(String, GuidanceState)>,
    /// Sources refused ("guidance from :1.42"), reported once each.
    refused: Vec<String>,
}

impl State {
    /// Starts following the media player and the guidance on `connection`.
    pub fn home_sources_watch(&mut self, connection: Connection) {
        let (events, receiver) = channel::channel();
        let inserted = self.loop_handle.insert_source(receiver, |event, _, state| {
            if let Event::Msg(event) = event {
                state.home_source_event(event);
            }
        });
        if let Err(err) = inserted {
            warn!("the home cards cannot follow the apps: {err}");
            return;
        }
        let Some(scheduler) = &self.dbus.scheduler else {
            return;
        };
        let player = follow_source(
            connection.clone(),
            events.clone(),
            MEDIA_PLAYER,
            MPRIS_PATH,
            read_player,
            HomeSourceEvent::Player,
        );
        let guidance = follow_source(
            connection,
            events,
            GUIDANCE_NAME,
            GUIDANCE_PATH,
            read_guidance,
            HomeSourceEvent::Guidance,
        );
        if let Err(err) = scheduler.schedule(player) {
            warn!("the home cards cannot follow the media player: {err}");
        }
        if let Err(err) = scheduler.schedule(guidance) {
            warn!("the home cards cannot follow the guidance: {err}");
        }
    }

    fn home_source_event(&mut self, event: HomeSourceEvent) {
        let changed = match event {
            HomeSourceEvent::Player(claim) => {
                let believed = claim.and_then(|claim| self.believe("media player", claim));
                std::mem::replace(&mut self.home_sources.player, believed.clone()) != believed
            }
            HomeSourceEvent::Guidance(claim) => {
                let believed = claim.and_then(|claim| self.believe("guidance", claim));
                std::mem::replace(&mut self.home_sources.guidance, believed.clone()) != believed
            }
        };
        if changed {
            self.queue_redraw_all();
        }
    }

    /// The claim's app and value, where its owner is that declared app's process.
    fn believe<T>(&mut self, what: &str, claim: Claim<T>) -> Option<(String, T)> {
        let declared = self.config.app(&claim.app_id).is_some();
        if declared && self.is_process_of_app(claim.uid, claim.pid, &claim.app_id) {
            return Some((claim.app_id, claim.value));
        }
        let refusal = format!("{what} from {}", claim.owner);
        if !self.home_sources.refused.contains(&refusal) {
            warn!(
                owner = claim.owner,
                uid = ?claim.uid,
                pid = ?claim.pid,
                claimed = claim.app_id,
                "the home view ignores this {what}: its owner is not the declared app it names"
            );
            // Unique names are never reused on a bus; the list only grows with strangers.
            if self.home_sources.refused.len() < 64 {
                self.home_sources.refused.push(refusal);
            }
        }
        None
    }
}

/// Follows `name` for as long as Cowl runs: each owner's state, read by `read` when it
/// appears and after each PropertiesChanged it sends at `path`; `None` when the name has none.
async fn follow_source<T, R>(
    connection: Connection,
    events: Sender<HomeSourceEvent>,
    name: &'static str,
    path: &'static str,
    read: fn(Connection, OwnedUniqueName) -> R,
    event: fn(Option<Claim<T>>) -> HomeSourceEvent,
) where
    R: std::future::Future<Output = zbus::Result<(String, T)>>,
{
    let followed = follow_owners(
        &connection,
        name,
        |owner| {
            let connection = connection.clone();
            let events = events.clone();
            async move {
                let (uid, pid) = credentials(&connection, &owner).await;
                let changes = property_changes(&connection, owner.clone(), path).await;
                let send =
                    async |owner: &OwnedUniqueName| match read(connection.clone(), owner.clone())
                        .await
                    {
                        Ok((app_id, value)) => events
                            .send(event(Some(Claim {
                                owner: owner.to_string(),
                                uid,
                                pid,
                                app_id: clean(&app_id),
                                value,
                            })))
                            .is_ok(),
                        Err(err) => {
                            info!(owner = %owner, "could not read the {name} state: {err}");
                            true
                        }
                    };
                if !send(&owner).await {
                    return;
                }
                let Ok(mut changes) = changes else {
                    return;
                };
                while changes.next().await.is_some() {
                    if !send(&owner).await {
                        return;
                    }
                }
            }
        },
        || {
            let _ = events.send(event(None));
        },
    )
    .await;
    if let Err(err) = followed {
        warn!("the home cards stopped following {name}: {err}");
    }
}

/// The owner's uid and pid, as the bus daemon knows them from its socket.
async fn credentials(
    connection: &Connection,
    owner: &OwnedUniqueName,
) -> (Option<u32>, Option<u32>) {
    let Ok(bus) = zbus::fdo::DBusProxy::new(connection).await else {
        return (None, None);
    };
    let name = zbus::names::BusName::Unique(owner.as_ref());
    let uid = bus.get_connection_unix_user(name.clone()).await.ok();
    let pid = bus.get_connection_unix_process_id(name).await.ok();
    (uid, pid)
}

/// Every property of `interface` at `path` of `owner`.
async fn get_all(
    connection: &Connection,
    owner: OwnedUniqueName,
    path: &'static str,
    interface: &'static str,
) -> zbus::Result<HashMap<String, OwnedVariant>> {
    let properties = zbus::fdo::PropertiesProxy::builder(connection)
        .destination(owner)
        .path(path)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    Ok(properties
        .get_all(zbus::names::InterfaceName::try_from(interface)?)
        .await?)
}

async fn read_player(
    connection: Connection,
    owner: OwnedUniqueName,
) -> zbus::Result<(String, NowPlaying)> {
    let root = get_all(&connection, owner.clone(), MPRIS_PATH, MPRIS_ROOT).await?;
    let player = get_all(&connection, owner, MPRIS_PATH, MPRIS_PLAYER).await?;
    Ok((text(&root, "DesktopEntry"), now_playing(&player)))
}

async fn read_guidance(
    connection: Connection,
    owner: OwnedUniqueName,
) -> zbus::Result<(String, GuidanceState)> {
    let values = get_all(&connection, owner, GUIDANCE_PATH, GUIDANCE_INTERFACE).await?;
    Ok((text(&values, "DesktopEntry"), guidance(&values)))
}

/// An app's text as a card may show it: no control characters, at most [`MAX_TEXT`].
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

fn text(values: &HashMap<String, OwnedVariant>, name: &str) -> String {
    values
        .get(name)
        .and_then(|value| String::try_from(value.clone()).ok())
        .map(|value| clean(&value))
        .unwrap_or_default()
}

fn number(values: &HashMap<String, OwnedVariant>, name: &str) -> f64 {
    values
        .get(name)
        .and_then(|value| f64::try_from(value).ok())
        .filter(|value| value.is_finite() && *value >= 0.0)
        .unwrap_or(0.0)
}

/// MPRIS's PlaybackStatus and Metadata (xesam:title, xesam:artist: a list, joined).
fn now_playing(player: &HashMap<String, OwnedVariant>) -> NowPlaying {
    let metadata: HashMap<String, OwnedVariant> = player
        .get("Metadata")
        .and_then(|value| HashMap::try_from(value.clone()).ok())
        .unwrap_or_default();
    let artist = metadata
        .get("xesam:artist")
        .and_then(|value| Vec::<String>::try_from(value.clone()).ok())
        .map(|artists| artists.join(", "))
        .unwrap_or_default();
    NowPlaying {
        title: text(&metadata, "xesam:title"),
        artist: clean(&artist),
        playing: text(player, "PlaybackStatus") == "Playing",
    }
}

fn guidance(values: &HashMap<String, OwnedVariant>) -> GuidanceState {
    GuidanceState {
        active: values
            .get("Active")
            .and_then(|value| bool::try_from(value).ok())
            .unwrap_or(false),
        instruction: text(values, "Instruction"),
        onto: text(values, "Onto"),
        maneuver_distance_m: number(values, "ManeuverDistance"),
        remaining_distance_m: number(values, "RemainingDistance"),
        remaining_time_s: values
            .get("RemainingTime")
            .and_then(|value| u32::try_from(value).ok())
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_keeps_a_line_of_printable_text() {
        assert_eq!(clean("Song\u{1b}[2J\nTitle"), "Song[2JTitle");
        assert_eq!(clean(&"x".repeat(10_000)).chars().count(), MAX_TEXT);
    }

    #[test]
    fn mpris_metadata_reads_as_title_artists_and_status() {
        let metadata: HashMap<String, OwnedVariant> = HashMap::from([
            (
                "xesam:title".to_string(),
                OwnedVariant::try_from(zbus::Variant::from("Middle A")).unwrap(),
            ),
            (
                "xesam:artist".to_string(),
                OwnedVariant::try_from(zbus::Variant::from(vec!["Cowl", "Band"])).unwrap(),
            ),
        ]);
        let player = HashMap::from([
            (
                "Metadata".to_string(),
                OwnedVariant::try_from(zbus::Variant::from(metadata)).unwrap(),
            ),
            (
                "PlaybackStatus".to_string(),
                OwnedVariant::try_from(zbus::Variant::from("Playing")).unwrap(),
            ),
        ]);
        assert_eq!(
            now_playing(&player),
            NowPlaying {
                title: "Middle A".into(),
                artist: "Cowl, Band".into(),
                playing: true,
            }
        );
        assert_eq!(now_playing(&HashMap::new()), NowPlaying::default());
    }
}
