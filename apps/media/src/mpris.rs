//! MPRIS2 on D-Bus as `org.mpris.MediaPlayer2.cowl`: the standard media-player interface,
//! so that playerctl, desktop widgets, Cowl's steering-wheel keys and the projection daemon
//! can drive the app and show what plays. Methods and property writes become engine
//! [`Command`]s; properties are read from the engine's last [`Snapshot`], and a watcher
//! emits PropertiesChanged (and Seeked) when the snapshot moves.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tracing::warn;
use zbus::object_server::SignalEmitter;
use zbus::{ObjectPath, OwnedVariant, Variant};

use crate::engine::{Command, PositionProbe, Snapshot, Status};
use crate::queue::Repeat;

pub const MPRIS_NAME: &str = "org.mpris.MediaPlayer2.cowl";
pub const MPRIS_PATH: &str = "/org/mpris/MediaPlayer2";
/// The app's desktop entry and Wayland app_id.
pub const APP_ID: &str = "org.cowl.Media";
const NO_TRACK: &str = "/org/mpris/MediaPlayer2/TrackList/NoTrack";

struct Root;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl Root {
    /// The compositor places and raises the app; nothing to do here.
    fn raise(&self) {}

    /// A head unit's media app is not quit by remote control.
    fn quit(&self) {}

    #[zbus(property)]
    fn can_quit(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn can_raise(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn has_track_list(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn identity(&self) -> String {
        "Cowl Media".to_string()
    }

    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        APP_ID.to_string()
    }

    #[zbus(property)]
    fn supported_uri_schemes(&self) -> Vec<String> {
        vec!["file".to_string()]
    }

    #[zbus(property)]
    fn supported_mime_types(&self) -> Vec<String> {
        [
            "audio/ogg",
            "audio/mpeg",
            "audio/flac",
            "audio/x-wav",
            "audio/mp4",
            "video/ogg",
            "video/mp4",
            "video/x-matroska",
            "video/webm",
        ]
        .map(String::from)
        .to_vec()
    }
}

struct PlayerInterface {
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Snapshot>,
    position: PositionProbe,
}

impl PlayerInterface {
    fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    fn snapshot(&self) -> Snapshot {
        self.snapshots.borrow().clone()
    }
}

const PLAYER_INTERFACE: &str = "org.mpris.MediaPlayer2.Player";

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl PlayerInterface {
    fn next(&self) {
        self.send(Command::Next);
    }

    fn previous(&self) {
        self.send(Command::Previous);
    }

    fn pause(&self) {
        self.send(Command::Pause);
    }

    fn play_pause(&self) {
        self.send(Command::PlayPause);
    }

    fn stop(&self) {
        self.send(Command::Stop);
    }

    fn play(&self) {
        self.send(Command::Play);
    }

    /// Offset in microseconds.
    fn seek(&self, offset: i64) {
        self.send(Command::SeekBy(offset));
    }

    /// Ignored unless `track_id` is the current track, as MPRIS asks.
    fn set_position(&self, track_id: ObjectPath<'_>, position: i64) {
        let snapshot = self.snapshots.borrow();
        if position >= 0 && track_id.as_str() == track_id_of(&snapshot).as_str() {
            let position = Duration::from_micros(position.unsigned_abs());
            drop(snapshot);
            self.send(Command::SetPosition(position));
        }
    }

    /// Plays a `file://` media file (SupportedUriSchemes): from the library, or taken into
    /// it when it lies outside the folders.
    fn open_uri(&self, uri: &str) -> zbus::fdo::Result<()> {
        let path = gstreamer::glib::filename_from_uri(uri)
            .map(|(path, _host)| path)
            .map_err(|_| {
                zbus::fdo::Error::NotSupported(format!("{uri:?}: only file:// URIs can be opened"))
            })?;
        if !crate::library::is_media_path(&path) {
            return Err(zbus::fdo::Error::NotSupported(format!(
                "{}: not a media file the app plays",
                path.display()
            )));
        }
        if !path.is_file() {
            return Err(zbus::fdo::Error::FileNotFound(path.display().to_string()));
        }
        self.send(Command::Open(path));
        Ok(())
    }

    #[zbus(signal)]
    async fn seeked(emitter: &SignalEmitter<'_>, position: i64) -> zbus::Result<()>;

    #[zbus(property)]
    fn playback_status(&self) -> String {
        self.snapshots.borrow().status.mpris_name().to_string()
    }

    #[zbus(property)]
    fn loop_status(&self) -> String {
        self.snapshots.borrow().repeat.mpris_name().to_string()
    }

    #[zbus(property)]
    fn set_loop_status(&mut self, status: String) -> zbus::fdo::Result<()> {
        let repeat = Repeat::from_mpris_name(&status).ok_or_else(|| {
            zbus::fdo::Error::InvalidArgs(format!(
                "{status:?} is not a loop status (None, Track, Playlist)"
            ))
        })?;
        self.send(Command::SetRepeat(repeat));
        Ok(())
    }

    #[zbus(property)]
    fn rate(&self) -> f64 {
        1.0
    }

    /// Only normal speed is supported (MinimumRate = MaximumRate = 1); other rates are ignored.
    #[zbus(property)]
    fn set_rate(&mut self, _rate: f64) {}

    #[zbus(property)]
    fn shuffle(&self) -> bool {
        self.snapshots.borrow().shuffle
    }

    #[zbus(property)]
    fn set_shuffle(&mut self, shuffle: bool) {
        self.send(Command::SetShuffle(shuffle));
    }

    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedVariant> {
        metadata(&self.snapshot())
    }

    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.snapshots.borrow().volume
    }

    #[zbus(property)]
    fn set_volume(&mut self, volume: f64) {
        self.send(Command::SetVolume(volume));
    }

    /// Microseconds, live from the player (MPRIS does not signal its changes).
    #[zbus(property(emits_changed_signal = "false"))]
    fn position(&self) -> i64 {
        let position = match self.snapshots.borrow().status {
            Status::Stopped => Duration::ZERO,
            _ => self.position.position().unwrap_or_default(),
        };
        i64::try_from(position.as_micros()).unwrap_or(i64::MAX)
    }

    #[zbus(property)]
    fn minimum_rate(&self) -> f64 {
        1.0
    }

    #[zbus(property)]
    fn maximum_rate(&self) -> f64 {
        1.0
    }

    #[zbus(property)]
    fn can_go_next(&self) -> bool {
        self.snapshots.borrow().can_go_next
    }

    #[zbus(property)]
    fn can_go_previous(&self) -> bool {
        self.snapshots.borrow().can_go_previous
    }

    #[zbus(property)]
    fn can_play(&self) -> bool {
        can_play(&self.snapshots.borrow())
    }

    #[zbus(property)]
    fn can_pause(&self) -> bool {
        self.snapshots.borrow().current.is_some()
    }

    #[zbus(property)]
    fn can_seek(&self) -> bool {
        self.snapshots.borrow().current.is_some()
    }

    #[zbus(property(emits_changed_signal = "const"))]
    fn can_control(&self) -> bool {
        true
    }
}

/// Something is loaded, or there is something to start.
fn can_play(snapshot: &Snapshot) -> bool {
    snapshot.current.is_some() || snapshot.can_go_next
}

fn track_id_of(snapshot: &Snapshot) -> String {
    match snapshot.current {
        Some(index) => format!("/org/cowl/Media/Track/{index}"),
        None => NO_TRACK.to_string(),
    }
}

fn metadata(snapshot: &Snapshot) -> HashMap<String, OwnedVariant> {
    let mut map = HashMap::new();
    let mut put = |key: &str, value: Variant<'_>| {
        if let Ok(value) = OwnedVariant::try_from(value) {
            map.insert(key.to_string(), value);
        }
    };
    let track_id = track_id_of(snapshot);
    if let Ok(path) = ObjectPath::try_from(track_id.as_str()) {
        put("mpris:trackid", Variant::from(path));
    }
    let Some(track) = snapshot.current_track() else {
        return map;
    };
    put("xesam:title", Variant::from(track.title.as_str()));
    if let Some(artist) = &track.artist {
        put("xesam:artist", Variant::from(vec![artist.as_str()]));
    }
    if let Some(album) = &track.album {
        put("xesam:album", Variant::from(album.as_str()));
    }
    if let Some(number) = track
        .track_number
        .and_then(|number| i32::try_from(number).ok())
    {
        put("xesam:trackNumber", Variant::from(number));
    }
    if let Some(length) = snapshot
        .duration
        .and_then(|duration| i64::try_from(duration.as_micros()).ok())
    {
        put("mpris:length", Variant::from(length));
    }
    if let Some(uri) = track.uri() {
        put("xesam:url", Variant::from(uri));
    }
    if let Some(crate::library::Cover::File(cover)) = &track.cover
        && let Ok(uri) = gstreamer::glib::filename_to_uri(cover, None)
    {
        put("mpris:artUrl", Variant::from(uri.to_string()));
    }
    map
}

/// Connects to a bus (`builder`'s) with MPRIS served and its name taken: the objects are in
/// place before the connection reads its first message, so no early call goes unanswered.
pub async fn connect(
    builder: zbus::connection::Builder<'static>,
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Snapshot>,
    position: PositionProbe,
) -> zbus::Result<zbus::Connection> {
    builder
        .serve_at(MPRIS_PATH, Root)
        .serve_at(
            MPRIS_PATH,
            PlayerInterface {
                commands,
                snapshots,
                position,
            },
        )
        .name(MPRIS_NAME)
        .build()
        .await
}

/// Follows the engine's snapshots with change signals until the connection or the engine
/// goes away.
pub async fn announce(connection: zbus::Connection, mut snapshots: watch::Receiver<Snapshot>) {
    let emitter = match SignalEmitter::new(&connection, MPRIS_PATH) {
        Ok(emitter) => emitter,
        Err(err) => {
            warn!("MPRIS signals cannot be sent: {err}");
            return;
        }
    };
    let mut before = snapshots.borrow_and_update().clone();
    while snapshots.changed().await.is_ok() {
        let now = snapshots.borrow_and_update().clone();
        if let Err(err) = announce_changes(&emitter, &before, &now).await {
            // The bus went away; the player plays on without remote control.
            warn!("MPRIS stopped: {err}");
            return;
        }
        before = now;
    }
}

/// One PropertiesChanged for everything that moved, built from the snapshots alone: the
/// interface object is not locked while the signal goes out, so calls keep being answered.
async fn announce_changes(
    emitter: &SignalEmitter<'_>,
    before: &Snapshot,
    now: &Snapshot,
) -> zbus::Result<()> {
    let mut changed: HashMap<&str, Variant<'_>> = HashMap::new();
    if before.status != now.status {
        changed.insert("PlaybackStatus", Variant::from(now.status.mpris_name()));
    }
    if before.repeat != now.repeat {
        changed.insert("LoopStatus", Variant::from(now.repeat.mpris_name()));
    }
    if before.shuffle != now.shuffle {
        changed.insert("Shuffle", Variant::from(now.shuffle));
    }
    if before.volume != now.volume {
        changed.insert("Volume", Variant::from(now.volume));
    }
    if before.current != now.current
        || before.duration != now.duration
        || !std::sync::Arc::ptr_eq(&before.library, &now.library)
    {
        let metadata: HashMap<String, Variant<'_>> = metadata(now)
            .into_iter()
            .map(|(key, value)| (key, Variant::from(value)))
            .collect();
        changed.insert("Metadata", Variant::from(metadata));
    }
    if before.can_go_next != now.can_go_next {
        changed.insert("CanGoNext", Variant::from(now.can_go_next));
    }
    if before.can_go_previous != now.can_go_previous {
        changed.insert("CanGoPrevious", Variant::from(now.can_go_previous));
    }
    if before.current.is_some() != now.current.is_some() {
        changed.insert("CanPause", Variant::from(now.current.is_some()));
        changed.insert("CanSeek", Variant::from(now.current.is_some()));
    }
    if can_play(before) != can_play(now) {
        changed.insert("CanPlay", Variant::from(can_play(now)));
    }
    if !changed.is_empty() {
        zbus::fdo::Properties::properties_changed(
            emitter,
            zbus::names::InterfaceName::from_static_str_unchecked(PLAYER_INTERFACE),
            changed,
            std::borrow::Cow::Borrowed(&[]),
        )
        .await?;
    }
    if before.seeks != now.seeks {
        let position = i64::try_from(now.position.as_micros()).unwrap_or(i64::MAX);
        PlayerInterface::seeked(emitter, position).await?;
    }
    Ok(())
}
