//! The engine: the one owner of the library, the queue and the player. It runs on its own
//! thread and event loop, so that the window, MPRIS and the car's signals are all just
//! senders of [`Command`]s and readers of the [`Snapshot`] it publishes after each change.
//! Nothing here waits on the window: with no window at all (`--no-window`) it is a
//! complete player, driven over MPRIS.
//!
//! One loop iteration handles one thing (a command, a bus message, a watcher's event, the
//! end of a scan), then publishes the snapshot if that changed it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cowl_sdk::projection::AudioFocus;
use cowl_sdk::vehicle::ux;
use futures_util::{FutureExt, StreamExt};
use gstreamer as gst;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::focus::{DUCKED_VOLUME, Interruption};
use crate::library::{self, MountWatch, ScanReport, Store, Track};
use crate::player::{Player, PlayerEvent, Sinks, VideoFrame};
use crate::queue::{Queue, Repeat};

/// How often the published position moves while playing: the seek bar and clock show whole
/// seconds, so the window redraws once a second, not at the display's rate.
const POSITION_STEP: Duration = Duration::from_secs(1);
/// Previous within this far into a track restarts it instead, as on every car radio.
const RESTART_WINDOW: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Folders of music and video.
    pub folders: Vec<PathBuf>,
    /// Where removable media is mounted (each mount below is scanned while mounted).
    pub removable_roots: Vec<PathBuf>,
    /// The library store; `None` keeps it in memory.
    pub store: Option<PathBuf>,
    pub sinks: Sinks,
}

/// What the window, MPRIS and the car ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Play,
    Pause,
    PlayPause,
    Stop,
    Next,
    Previous,
    /// Relative seek (MPRIS Seek), may be negative.
    SeekBy(i64),
    SetPosition(Duration),
    /// Plays a library entry.
    PlayEntry(usize),
    /// Plays a media file (MPRIS OpenUri): its library entry, or, for a file outside the
    /// folders, an entry the library takes in for it.
    Open(PathBuf),
    SetShuffle(bool),
    SetRepeat(Repeat),
    SetVolume(f64),
    /// The car's restrictions (Vehicle1 UxRestrictions).
    Restrictions(u32),
    /// The car's DayNightMode is night.
    Night(bool),
    /// What Cowl lets the phone play (Projection1 AudioFocus).
    PhoneAudioFocus(AudioFocus),
    /// What the head unit's own apps hold (Shell1 AudioFocus): the navigation app's prompts.
    HeadUnitAudioFocus(AudioFocus),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Stopped,
    Playing,
    Paused,
}

impl Status {
    /// MPRIS's PlaybackStatus.
    pub fn mpris_name(self) -> &'static str {
        match self {
            Status::Stopped => "Stopped",
            Status::Playing => "Playing",
            Status::Paused => "Paused",
        }
    }
}

/// Everything the window and MPRIS show, as of the engine's last change.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub library: Arc<Vec<Track>>,
    pub scanning: bool,
    pub current: Option<usize>,
    pub status: Status,
    pub position: Duration,
    pub duration: Option<Duration>,
    pub shuffle: bool,
    pub repeat: Repeat,
    pub volume: f64,
    pub can_go_next: bool,
    pub can_go_previous: bool,
    /// Bumped on every jump in position (MPRIS's Seeked).
    pub seeks: u64,
    pub ux_restrictions: u32,
    pub night: bool,
    pub interruption: Option<Interruption>,
    /// The current track's cover image (PNG or JPEG bytes).
    pub cover: Option<Arc<Vec<u8>>>,
    /// The last thing that went wrong, for the status line.
    pub notice: Option<String>,
    /// The last scan.
    pub scan: ScanReport,
}

impl Default for Snapshot {
    fn default() -> Snapshot {
        Snapshot {
            library: Arc::default(),
            scanning: false,
            current: None,
            status: Status::Stopped,
            position: Duration::ZERO,
            duration: None,
            shuffle: false,
            repeat: Repeat::Off,
            volume: 1.0,
            can_go_next: false,
            can_go_previous: false,
            seeks: 0,
            ux_restrictions: 0,
            // Night until the car says otherwise: a bright screen at night dazzles, a dark
            // one by day is only dim.
            night: true,
            interruption: None,
            cover: None,
            notice: None,
            scan: ScanReport::default(),
        }
    }
}

impl Snapshot {
    pub fn current_track(&self) -> Option<&Track> {
        self.current.and_then(|index| self.library.get(index))
    }

    pub fn video_allowed(&self) -> bool {
        self.ux_restrictions & ux::NO_VIDEO == 0
    }
}

/// Channels to a running engine.
pub struct EngineHandle {
    pub commands: mpsc::UnboundedSender<Command>,
    pub snapshots: watch::Receiver<Snapshot>,
    pub frames: watch::Receiver<Option<VideoFrame>>,
    /// Reads the live playback position (MPRIS's Position is read, not signalled).
    pub position: PositionProbe,
    thread: std::thread::JoinHandle<()>,
}

impl EngineHandle {
    /// Stops the engine once every other sender of commands is gone (the window and D-Bus
    /// have stopped), and waits until it has: the player is stopped, the store closed.
    pub fn shut_down(self) {
        drop(self.commands);
        let _ = self.thread.join();
    }
}

/// The playbin, for position queries from other threads (GStreamer objects are thread-safe).
#[derive(Clone)]
pub struct PositionProbe(gst::Element);

impl PositionProbe {
    pub fn position(&self) -> Option<Duration> {
        use gst::prelude::ElementExtManual;
        self.0
            .query_position::<gst::ClockTime>()
            .map(|time| Duration::from_nanos(time.nseconds()))
    }
}

/// Starts the engine on its own thread. Fails only when GStreamer cannot build a player.
pub fn start(config: EngineConfig) -> Result<EngineHandle, String> {
    let (commands, command_rx) = mpsc::unbounded_channel();
    // Scanning from the start: the first scan begins before anything reads the snapshot.
    let (snapshot_tx, snapshots) = watch::channel(Snapshot {
        scanning: true,
        ..Snapshot::default()
    });
    let (frame_tx, frames) = watch::channel(None);
    let player = Player::new(&config.sinks, frame_tx)?;
    let position = PositionProbe(player.element());
    let bus = player
        .bus()
        .ok_or_else(|| "GStreamer's playbin has no bus".to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("the engine's event loop cannot start: {err}"))?;
    let thread = std::thread::Builder::new()
        .name("media-engine".into())
        .spawn(move || {
            runtime.block_on(async move {
                let engine = Engine::new(config, player, snapshot_tx);
                engine.run(command_rx, bus).await;
            })
        })
        .map_err(|err| format!("the engine's thread cannot start: {err}"))?;
    Ok(EngineHandle {
        commands,
        snapshots,
        frames,
        position,
        thread,
    })
}

struct Engine {
    config: EngineConfig,
    player: Player,
    queue: Queue,
    store: Option<Store>,
    snapshot: Snapshot,
    published: watch::Sender<Snapshot>,
    changed: bool,
    /// A focus made us pause while playing: resume when it ends.
    resume_after_interruption: bool,
    /// What the phone may play, and what the head unit's own apps hold.
    phone_focus: AudioFocus,
    head_unit_focus: AudioFocus,
    /// Mounts scanned by the last scan.
    mounts: Vec<PathBuf>,
    /// Where a finished scan reports (the loop holds the other end).
    scan_done: mpsc::UnboundedSender<ScanDone>,
    scan_results: Option<mpsc::UnboundedReceiver<ScanDone>>,
    /// A rescan was asked for while one ran.
    rescan_wanted: bool,
    /// Play was asked for before the first scan had found anything (a steering-wheel key
    /// right after start): play once it has.
    play_when_scanned: bool,
    /// Files opened through MPRIS outside the folders: scanned with them from then on.
    opened: Vec<PathBuf>,
    /// A file opened that the library is being scanned to take in: played once it has.
    play_path_when_scanned: Option<PathBuf>,
}

enum ScanDone {
    Finished(Store, Vec<Track>, ScanReport),
}

impl Engine {
    fn new(config: EngineConfig, player: Player, published: watch::Sender<Snapshot>) -> Engine {
        let store = match &config.store {
            Some(path) => {
                let (store, problem) = Store::open_or_rebuild(path);
                if let Some(problem) = problem {
                    warn!("{problem}");
                }
                store
            }
            None => Store::in_memory(),
        };
        let (scan_done, scan_results) = mpsc::unbounded_channel();
        let snapshot = published.borrow().clone();
        Engine {
            config,
            player,
            queue: Queue::default(),
            store: Some(store),
            snapshot,
            published,
            changed: false,
            resume_after_interruption: false,
            phone_focus: AudioFocus::None,
            head_unit_focus: AudioFocus::None,
            mounts: Vec::new(),
            scan_done,
            scan_results: Some(scan_results),
            rescan_wanted: false,
            play_when_scanned: false,
            opened: Vec::new(),
            play_path_when_scanned: None,
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>, bus: gst::Bus) {
        let mut messages = bus.stream();
        let mut mount_watch = MountWatch::new();
        let Some(mut scan_results) = self.scan_results.take() else {
            return;
        };
        self.start_scan();
        loop {
            let playing = self.snapshot.status == Status::Playing;
            let next_second = self.until_next_second();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    // Every sender is gone: the app is quitting.
                    None => break,
                },
                Some(message) = messages.next() => {
                    if let Some(event) = self.player.interpret(&message) {
                        if matches!(event, PlayerEvent::Failed { .. }) {
                            // The failed run is stopped (NULL) now, so whatever else it
                            // posted (a second error, for one) is already queued and
                            // describes the same failure: dropped, before the next file
                            // loads and could be blamed for it.
                            while let Some(Some(_)) = messages.next().now_or_never() {}
                        }
                        self.on_event(event);
                    }
                }
                Some(ScanDone::Finished(store, tracks, report)) = scan_results.recv() => {
                    self.scan_finished(store, tracks, report);
                    if std::mem::take(&mut self.rescan_wanted) {
                        self.start_scan();
                    }
                }
                () = async {
                    match &mut mount_watch {
                        Some(watch) => watch.changed().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if library::removable_mounts(&self.config.removable_roots) != self.mounts {
                        self.start_scan();
                    }
                }
                () = tokio::time::sleep(next_second), if playing => self.update_position(),
            }
            self.publish();
        }
        self.player.stop();
    }

    fn publish(&mut self) {
        if std::mem::take(&mut self.changed) {
            self.snapshot.can_go_next = self.queue.following().is_some();
            self.snapshot.can_go_previous =
                self.queue.preceding().is_some() || self.queue.current().is_some();
            self.snapshot.shuffle = self.queue.shuffle();
            self.snapshot.repeat = self.queue.repeat();
            self.published.send_replace(self.snapshot.clone());
        }
    }

    fn start_scan(&mut self) {
        let Some(mut store) = self.store.take() else {
            // A scan is running: another follows it.
            self.rescan_wanted = true;
            return;
        };
        self.mounts = library::removable_mounts(&self.config.removable_roots);
        let mut roots = self.config.folders.clone();
        roots.extend(self.mounts.iter().cloned());
        roots.extend(self.opened.iter().cloned());
        self.snapshot.scanning = true;
        self.changed = true;
        let done = self.scan_done.clone();
        tokio::task::spawn_blocking(move || {
            let (tracks, report) = library::scan(&roots, &mut store);
            if let Err(err) = store.flush() {
                warn!("could not save the library: {err}");
            }
            let _ = done.send(ScanDone::Finished(store, tracks, report));
        });
    }

    fn scan_finished(&mut self, store: Store, tracks: Vec<Track>, report: ScanReport) {
        info!(
            files = report.files,
            discovered = report.discovered,
            "library scanned"
        );
        for problem in &report.unreadable {
            warn!("cannot read {problem}");
        }
        self.store = Some(store);
        let current_path = self
            .snapshot
            .current_track()
            .map(|track| track.path.clone());
        let playable: Vec<usize> = tracks
            .iter()
            .enumerate()
            .filter(|(_, track)| track.is_playable())
            .map(|(index, _)| index)
            .collect();
        let current =
            current_path.and_then(|path| tracks.iter().position(|track| track.path == path));
        if current.is_none() && self.player.is_loaded() {
            // What played is gone (its media was unplugged).
            self.player.stop();
            self.snapshot.status = Status::Stopped;
        }
        self.queue.replace_entries(playable, current);
        self.snapshot.current = current;
        self.snapshot.library = Arc::new(tracks);
        self.snapshot.scan = report;
        self.snapshot.scanning = false;
        self.changed = true;
        self.refresh_next();
        if std::mem::take(&mut self.play_when_scanned) {
            self.play();
        }
        if let Some(path) = self.play_path_when_scanned.take() {
            match self.library_index(&path) {
                Some(index) => self.start_entry(index, true),
                // Another scan is on its way (asked for while this one ran).
                None if self.rescan_wanted => self.play_path_when_scanned = Some(path),
                None => {
                    self.snapshot.notice = Some(format!("{} cannot be opened", path.display()));
                }
            }
        }
    }

    fn library_index(&self, path: &Path) -> Option<usize> {
        self.snapshot
            .library
            .iter()
            .position(|track| track.path == path)
    }

    /// MPRIS OpenUri: plays the file's entry, taking it into the library first where it
    /// lies outside the folders.
    fn open(&mut self, path: PathBuf) {
        let path = std::path::absolute(&path).unwrap_or(path);
        if let Some(index) = self.library_index(&path) {
            self.start_entry(index, true);
            return;
        }
        if !self.opened.contains(&path) {
            self.opened.push(path.clone());
        }
        self.play_path_when_scanned = Some(path);
        self.start_scan();
    }

    fn handle(&mut self, command: Command) {
        self.changed = true;
        match command {
            Command::Play => self.play(),
            Command::Pause => self.pause(),
            Command::PlayPause => match self.snapshot.status {
                Status::Playing => self.pause(),
                _ => self.play(),
            },
            Command::Stop => {
                self.player.stop();
                self.snapshot.status = Status::Stopped;
                self.snapshot.position = Duration::ZERO;
            }
            Command::Next => {
                if let Some(next) = self.queue.following() {
                    self.start_entry(next, self.keeps_playing());
                }
            }
            Command::Previous => {
                let into_track = self.player.position().unwrap_or_default();
                match self.queue.preceding() {
                    Some(previous) if into_track < RESTART_WINDOW => {
                        self.start_entry(previous, self.keeps_playing())
                    }
                    _ => self.seek_to(Duration::ZERO),
                }
            }
            Command::SeekBy(micros) => {
                let now = self.player.position().unwrap_or_default();
                let offset = Duration::from_micros(micros.unsigned_abs());
                let target = if micros < 0 {
                    now.saturating_sub(offset)
                } else {
                    now + offset
                };
                // MPRIS: seeking past the end acts as Next.
                match self.snapshot.duration {
                    Some(duration) if target >= duration => self.handle(Command::Next),
                    _ => self.seek_to(target),
                }
            }
            Command::SetPosition(position) => {
                if self
                    .snapshot
                    .duration
                    .is_none_or(|duration| position <= duration)
                {
                    self.seek_to(position);
                }
            }
            Command::PlayEntry(index) => self.start_entry(index, true),
            Command::Open(path) => self.open(path),
            Command::SetShuffle(shuffle) => {
                self.queue.set_shuffle(shuffle);
                self.refresh_next();
            }
            Command::SetRepeat(repeat) => {
                self.queue.set_repeat(repeat);
                self.refresh_next();
            }
            Command::SetVolume(volume) => {
                self.snapshot.volume = volume.clamp(0.0, 1.0);
                self.apply_volume();
            }
            Command::Restrictions(bits) => {
                self.snapshot.ux_restrictions = bits;
                let allowed = self.snapshot.video_allowed();
                if allowed != self.player.video_allowed() {
                    info!(video_allowed = allowed, "video restriction changed");
                    let current = self
                        .queue
                        .current()
                        .and_then(|index| self.snapshot.library.get(index))
                        .and_then(Track::uri);
                    self.player
                        .set_video_allowed(allowed, current.as_deref(), self.next_uri());
                }
            }
            Command::Night(night) => self.snapshot.night = night,
            Command::PhoneAudioFocus(focus) => {
                self.phone_focus = focus;
                self.follow_focus();
            }
            Command::HeadUnitAudioFocus(focus) => {
                self.head_unit_focus = focus;
                self.follow_focus();
            }
        }
    }

    /// Next and previous keep playing if it was playing (or paused by an interruption).
    fn keeps_playing(&self) -> bool {
        self.snapshot.status == Status::Playing || self.resume_after_interruption
    }

    fn play(&mut self) {
        if self.player.is_loaded() {
            self.player.play();
            self.snapshot.status = Status::Playing;
        } else if let Some(entry) = self.queue.current().or_else(|| self.queue.following()) {
            self.start_entry(entry, true);
        } else if self.snapshot.scanning {
            self.play_when_scanned = true;
        }
        self.resume_after_interruption = false;
    }

    fn pause(&mut self) {
        self.play_when_scanned = false;
        if self.player.is_loaded() {
            self.player.pause();
            self.snapshot.status = Status::Paused;
        }
        self.resume_after_interruption = false;
    }

    fn seek_to(&mut self, position: Duration) {
        if !self.player.is_loaded() {
            return;
        }
        self.player.seek(position);
        self.snapshot.position = position;
        self.snapshot.seeks += 1;
    }

    /// Loads a library entry and plays it (or leaves it paused at its start).
    fn start_entry(&mut self, index: usize, playing: bool) {
        let Some(track) = self.snapshot.library.get(index) else {
            return;
        };
        if let Some(problem) = &track.problem {
            self.snapshot.notice = Some(format!("{} cannot be played: {problem}", track.title));
            return;
        }
        let Some(uri) = track.uri() else {
            self.snapshot.notice = Some(format!("{} has no usable path", track.title));
            return;
        };
        if !self.queue.select(index) {
            return;
        }
        // A call or the phone's media holds the sound: load paused.
        let held = matches!(
            self.snapshot.interruption,
            Some(Interruption::PauseTransient | Interruption::PausePermanent)
        );
        let playing = playing && !held;
        self.player.load(&uri, playing, self.next_uri());
        self.snapshot.status = if playing {
            Status::Playing
        } else {
            Status::Paused
        };
        self.now_playing(index);
    }

    fn now_playing(&mut self, index: usize) {
        self.snapshot.current = Some(index);
        self.snapshot.position = Duration::ZERO;
        self.snapshot.seeks += 1;
        let track = self.snapshot.library.get(index);
        self.snapshot.duration = track.and_then(|track| track.duration);
        self.snapshot.cover = track.and_then(|track| match &track.cover {
            Some(library::Cover::File(path)) => std::fs::read(path).ok().map(Arc::new),
            Some(library::Cover::Embedded) => self
                .store
                .as_ref()
                .and_then(|store| store.cover(&track.path))
                .map(Arc::new),
            None => None,
        });
        self.changed = true;
    }

    /// Tells the player what follows the current track, for the gapless hand-over.
    fn refresh_next(&mut self) {
        self.player.set_next(self.next_uri());
    }

    /// The URI of what follows the current track in the queue.
    fn next_uri(&self) -> Option<String> {
        self.queue
            .after_current()
            .and_then(|index| self.snapshot.library.get(index))
            .and_then(Track::uri)
    }

    /// How long until the position reaches its next whole second (a little after, so that
    /// the reading lands past it).
    fn until_next_second(&self) -> Duration {
        let into_second = self.player.position().map_or(Duration::ZERO, |position| {
            Duration::from_nanos(u64::from(position.subsec_nanos()))
        });
        POSITION_STEP.saturating_sub(into_second) + Duration::from_millis(5)
    }

    fn update_position(&mut self) {
        if let Some(position) = self.player.position() {
            // Whole seconds: what the window shows; a finer change would redraw for nothing.
            let shown = Duration::from_secs(position.as_secs());
            if shown != self.snapshot.position {
                self.snapshot.position = shown;
                self.changed = true;
            }
        }
    }

    fn apply_volume(&self) {
        let factor = if self.snapshot.interruption == Some(Interruption::Duck) {
            DUCKED_VOLUME
        } else {
            1.0
        };
        self.player.set_volume(self.snapshot.volume * factor);
    }

    /// Yields to the stronger of the phone's and the head unit's focus.
    fn follow_focus(&mut self) {
        let phone = Interruption::for_focus(self.phone_focus);
        let head_unit = Interruption::for_focus(self.head_unit_focus);
        self.interrupt(phone.max(head_unit));
    }

    fn interrupt(&mut self, interruption: Option<Interruption>) {
        let before = self.snapshot.interruption;
        if before == interruption {
            return;
        }
        self.snapshot.interruption = interruption;
        match interruption {
            Some(Interruption::Duck) => info!("audio focus: ducked for directions"),
            Some(other) => info!("audio focus: {}", other.describe().to_lowercase()),
            None => info!("audio focus: back, full volume"),
        }
        match interruption {
            Some(Interruption::PauseTransient | Interruption::PausePermanent) => {
                let was_playing = self.snapshot.status == Status::Playing;
                if was_playing {
                    self.player.pause();
                    self.snapshot.status = Status::Paused;
                }
                self.resume_after_interruption = interruption == Some(Interruption::PauseTransient)
                    && (was_playing || self.resume_after_interruption);
            }
            Some(Interruption::Duck) | None => {
                if std::mem::take(&mut self.resume_after_interruption) {
                    self.player.play();
                    self.snapshot.status = Status::Playing;
                }
            }
        }
        self.apply_volume();
    }

    fn on_event(&mut self, event: PlayerEvent) {
        self.changed = true;
        match event {
            PlayerEvent::TrackStarted { handed_over: true } => {
                // The gapless hand-over began the track after the current one.
                if let Some(next) = self.queue.after_current() {
                    self.queue.select(next);
                    self.now_playing(next);
                    self.refresh_next();
                }
            }
            PlayerEvent::TrackStarted { handed_over: false } => {}
            PlayerEvent::EndOfStream => {
                // Nothing was handed over: the queue is at its end.
                self.player.stop();
                self.snapshot.status = Status::Stopped;
                self.snapshot.position = Duration::ZERO;
            }
            PlayerEvent::Failed {
                reason,
                handed_over,
            } => {
                let failed = if handed_over {
                    self.queue.after_current()
                } else {
                    self.queue.current()
                };
                self.playback_failed(failed, reason);
            }
            PlayerEvent::Settled { .. } => {}
            PlayerEvent::DurationKnown => {
                if let Some(duration) = self.player.duration() {
                    self.snapshot.duration = Some(duration);
                }
            }
        }
    }

    /// A file failed while playing (or while being handed over to): it becomes an error row,
    /// and playback moves on to the next playable entry, so one bad file never stops the
    /// music for good.
    fn playback_failed(&mut self, failed: Option<usize>, reason: String) {
        let was_playing = self.snapshot.status == Status::Playing;
        self.snapshot.status = Status::Stopped;
        let Some(index) = failed else {
            self.snapshot.notice = Some(format!("playback failed: {reason}"));
            return;
        };
        let mut tracks = (*self.snapshot.library).clone();
        if let Some(track) = tracks.get_mut(index) {
            warn!(path = %track.path.display(), "playback failed: {reason}");
            self.snapshot.notice = Some(format!("{} cannot be played: {reason}", track.title));
            track.problem = Some(reason);
        }
        self.snapshot.library = Arc::new(tracks);
        // Stand on the failed entry, so that "following" is the one after it.
        self.queue.select(index);
        let next = self.queue.following().filter(|&next| next != index);
        self.queue.remove(index);
        match next {
            Some(next) => self.start_entry(next, was_playing),
            None => {
                self.snapshot.current = None;
                self.refresh_next();
            }
        }
    }
}
