//! Playback: one GStreamer `playbin` for the app's life. It plays one URI at a time; the next
//! track's URI is handed over from `about-to-finish`, on GStreamer's streaming thread, so that
//! tracks follow each other without a gap. Video is switched off through playbin's flags when
//! it is not allowed; the picture goes to an appsink whose newest frame the window shows.
//!
//! The player never blocks: state changes are asynchronous, and what GStreamer reports
//! (the stream started, ended, failed, reached a state) comes back through its bus, which the
//! engine reads and hands to [`Player::interpret`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::watch;

/// playbin's flags with and without the picture: sound, software volume (for ducking), and
/// for video the deinterlacer and colour balance playbin uses by default. No subtitles.
const FLAGS_WITH_VIDEO: &str = "audio+video+soft-volume+deinterlace+soft-colorbalance";
const FLAGS_AUDIO_ONLY: &str = "audio+soft-volume";

/// Where sound and picture go. Each is a gst-launch description; `None` takes the default
/// (the system's audio output; the window's frame sink).
#[derive(Debug, Clone, Default)]
pub struct Sinks {
    pub audio: Option<String>,
    pub video: Option<String>,
}

/// A decoded picture for the window, RGBA.
#[derive(Clone)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<Vec<u8>>,
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VideoFrame({}x{})", self.width, self.height)
    }
}

/// What the bus said, in the player's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// A new stream started: the loaded URI, or the one handed over gaplessly.
    TrackStarted { handed_over: bool },
    /// The last loaded stream ended and nothing was handed over.
    EndOfStream,
    /// The stream failed (corrupt data, missing decoder, file gone). `handed_over`: it was the
    /// track handed over for gapless play that failed, before it started.
    Failed { reason: String, handed_over: bool },
    /// Playing or paused, as asked.
    Settled { playing: bool },
    /// The duration became known or changed.
    DurationKnown,
}

pub struct Player {
    playbin: gst::Element,
    /// The next URI for the gapless hand-over: set by the engine, taken by about-to-finish.
    next_uri: Arc<Mutex<Option<String>>>,
    /// Set by about-to-finish when it handed over, cleared when that stream starts.
    handed_over: Arc<AtomicBool>,
    video_allowed: bool,
    /// Asked for: playing (true) or paused (false); `None` when stopped.
    wanted: Option<bool>,
    /// A position to seek to once the pipeline is ready for seeks (after a reload).
    pending_seek: Option<Duration>,
}

impl Player {
    /// Builds the pipeline. `frames` receives the window's pictures when `sinks.video` is
    /// `None`.
    pub fn new(sinks: &Sinks, frames: watch::Sender<Option<VideoFrame>>) -> Result<Player, String> {
        gst::init().map_err(|err| format!("GStreamer is not available: {err}"))?;
        let playbin = gst::ElementFactory::make("playbin").build().map_err(|_| {
            "GStreamer's playbin is missing (gstreamer1.0-plugins-base)".to_string()
        })?;
        if let Some(audio) = &sinks.audio {
            playbin.set_property("audio-sink", bin_from(audio, "audio sink")?);
        }
        let video_sink = match &sinks.video {
            Some(description) => bin_from(description, "video sink")?,
            None => frame_sink(frames)?,
        };
        playbin.set_property("video-sink", video_sink);
        playbin.set_property_from_str("flags", FLAGS_WITH_VIDEO);

        let next_uri: Arc<Mutex<Option<String>>> = Arc::default();
        let handed_over = Arc::new(AtomicBool::new(false));
        {
            let next_uri = next_uri.clone();
            let handed_over = handed_over.clone();
            playbin.connect("about-to-finish", false, move |args| {
                let playbin = args.first()?.get::<gst::Element>().ok()?;
                let next = next_uri.lock().ok()?.take()?;
                playbin.set_property("uri", next);
                handed_over.store(true, Ordering::SeqCst);
                None
            });
        }
        Ok(Player {
            playbin,
            next_uri,
            handed_over,
            video_allowed: true,
            wanted: None,
            pending_seek: None,
        })
    }

    /// The playbin itself, for position queries from other threads.
    pub fn element(&self) -> gst::Element {
        self.playbin.clone()
    }

    pub fn bus(&self) -> Option<gst::Bus> {
        self.playbin.bus()
    }

    /// Starts `uri` from its beginning, playing or paused, with `next` armed for the
    /// gapless hand-over. It is armed once the previous stream has stopped and before this
    /// one starts: a short file can be read to its end while it prerolls, and
    /// about-to-finish must then find what follows it.
    pub fn load(&mut self, uri: &str, playing: bool, next: Option<String>) {
        let _ = self.playbin.set_state(gst::State::Ready);
        self.handed_over.store(false, Ordering::SeqCst);
        self.set_next(next);
        self.playbin.set_property("uri", uri);
        self.pending_seek = None;
        self.go(playing);
    }

    fn go(&mut self, playing: bool) {
        self.wanted = Some(playing);
        let state = if playing {
            gst::State::Playing
        } else {
            gst::State::Paused
        };
        // Failure shows up as an error message on the bus, which the engine handles.
        let _ = self.playbin.set_state(state);
    }

    pub fn play(&mut self) {
        if self.wanted.is_some() {
            self.go(true);
        }
    }

    pub fn pause(&mut self) {
        if self.wanted.is_some() {
            self.go(false);
        }
    }

    pub fn stop(&mut self) {
        self.wanted = None;
        self.pending_seek = None;
        let _ = self.playbin.set_state(gst::State::Null);
    }

    pub fn is_loaded(&self) -> bool {
        self.wanted.is_some()
    }

    /// Seeks to `position` (clamped by GStreamer to the stream). A stream that has not
    /// prerolled yet (just loaded) is sought once it has (`AsyncDone`): GStreamer takes
    /// seeks in PAUSED or PLAYING, and one sent in the middle of the preroll could be lost
    /// or leave the pipeline stalled, playing nothing.
    pub fn seek(&mut self, position: Duration) {
        let (_, current, _) = self.playbin.state(gst::ClockTime::ZERO);
        if current < gst::State::Paused {
            self.pending_seek = Some(position);
            return;
        }
        self.seek_prerolled(position);
    }

    /// Seeks a stream that has prerolled.
    fn seek_prerolled(&mut self, position: Duration) {
        let target =
            gst::ClockTime::from_nseconds(position.as_nanos().min(u64::MAX as u128) as u64);
        // Accurate: a key-unit seek lands on an Ogg page or a key frame, seconds away.
        let flags = gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE;
        if self.playbin.seek_simple(flags, target).is_err() {
            // Refused (a flushing seek still under way): again at the next AsyncDone.
            self.pending_seek = Some(position);
        }
    }

    pub fn position(&self) -> Option<Duration> {
        self.playbin
            .query_position::<gst::ClockTime>()
            .map(|time| Duration::from_nanos(time.nseconds()))
    }

    pub fn duration(&self) -> Option<Duration> {
        self.playbin
            .query_duration::<gst::ClockTime>()
            .map(|time| Duration::from_nanos(time.nseconds()))
    }

    /// Linear volume, 0 to 1 (ducking lowers it).
    pub fn set_volume(&self, volume: f64) {
        self.playbin.set_property("volume", volume.clamp(0.0, 1.0));
    }

    /// What plays after the current track ends, for the gapless hand-over.
    pub fn set_next(&self, uri: Option<String>) {
        if let Ok(mut next) = self.next_uri.lock() {
            *next = uri;
        }
    }

    /// Allows or forbids the picture. A loaded stream is reloaded at its position, so that
    /// playbin drops (or builds) its video branch; the sound carries on from where it was.
    /// `current` is the track the engine plays: near a track's end playbin may already hold
    /// the next one's URI (about-to-finish handed it over), and the reload must not lose
    /// the current track or the hand-over: `next` is armed again.
    pub fn set_video_allowed(
        &mut self,
        allowed: bool,
        current: Option<&str>,
        next: Option<String>,
    ) {
        if allowed == self.video_allowed {
            return;
        }
        self.video_allowed = allowed;
        let flags = if allowed {
            FLAGS_WITH_VIDEO
        } else {
            FLAGS_AUDIO_ONLY
        };
        let Some(playing) = self.wanted else {
            self.playbin.set_property_from_str("flags", flags);
            return;
        };
        // Past a gapless hand-over playbin counts on from the previous track: a position
        // beyond this one's end means its start (seeking there would end it at once).
        let duration = self.duration();
        let position = self
            .position()
            .filter(|position| duration.is_none_or(|duration| *position < duration));
        let _ = self.playbin.set_state(gst::State::Ready);
        self.playbin.set_property_from_str("flags", flags);
        if let Some(uri) = current {
            self.playbin.set_property("uri", uri);
        }
        self.handed_over.store(false, Ordering::SeqCst);
        // Armed again once the old stream stopped (about-to-finish may have taken it), before
        // the reloaded one prerolls (see `load`).
        self.set_next(next);
        self.pending_seek = position;
        self.go(playing);
    }

    pub fn video_allowed(&self) -> bool {
        self.video_allowed
    }

    /// Turns a bus message into what it means for playback; `None` for the rest.
    pub fn interpret(&mut self, message: &gst::Message) -> Option<PlayerEvent> {
        use gst::MessageView;
        match message.view() {
            MessageView::StreamStart(_) => {
                let handed_over = self.handed_over.swap(false, Ordering::SeqCst);
                Some(PlayerEvent::TrackStarted { handed_over })
            }
            MessageView::Eos(_) => Some(PlayerEvent::EndOfStream),
            MessageView::Error(error) => {
                let _ = self.playbin.set_state(gst::State::Null);
                self.wanted = None;
                Some(PlayerEvent::Failed {
                    reason: error.error().message().to_string(),
                    handed_over: self.handed_over.swap(false, Ordering::SeqCst),
                })
            }
            MessageView::DurationChanged(_) => Some(PlayerEvent::DurationKnown),
            MessageView::AsyncDone(_) => {
                if let Some(position) = self.pending_seek.take() {
                    self.seek_prerolled(position);
                }
                None
            }
            MessageView::StateChanged(change)
                if change.src() == Some(self.playbin.upcast_ref::<gst::Object>()) =>
            {
                match change.current() {
                    gst::State::Playing => Some(PlayerEvent::Settled { playing: true }),
                    gst::State::Paused if change.pending() == gst::State::VoidPending => {
                        Some(PlayerEvent::Settled { playing: false })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.playbin.set_state(gst::State::Null);
    }
}

fn bin_from(description: &str, what: &str) -> Result<gst::Element, String> {
    gst::parse::bin_from_description(description, true)
        .map(|bin| bin.upcast())
        .map_err(|err| format!("the {what} {description:?} cannot be made: {err}"))
}

/// An appsink that keeps only the newest RGBA frame and passes it to the window.
fn frame_sink(frames: watch::Sender<Option<VideoFrame>>) -> Result<gst::Element, String> {
    let bin = gst::parse::bin_from_description(
        "videoconvert ! videoscale ! video/x-raw,format=RGBA,pixel-aspect-ratio=1/1 \
         ! appsink name=frames max-buffers=1 drop=true",
        true,
    )
    .map_err(|err| format!("the window's video sink cannot be made: {err}"))?;
    let appsink = bin
        .by_name("frames")
        .and_then(|element| element.downcast::<gstreamer_app::AppSink>().ok())
        .ok_or_else(|| "the window's video sink has no appsink".to_string())?;
    appsink.set_callbacks(
        gstreamer_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                if let Some(frame) = rgba_frame(&sample) {
                    frames.send_replace(Some(frame));
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    Ok(bin.upcast())
}

fn rgba_frame(sample: &gst::Sample) -> Option<VideoFrame> {
    let structure = sample.caps()?.structure(0)?;
    let width = u32::try_from(structure.get::<i32>("width").ok()?).ok()?;
    let height = u32::try_from(structure.get::<i32>("height").ok()?).ok()?;
    let buffer = sample.buffer()?;
    let map = buffer.map_readable().ok()?;
    // RGBA rows are 4-byte aligned already, so the buffer is tightly packed.
    let expected = width as usize * height as usize * 4;
    let rgba = map.as_slice().get(..expected)?.to_vec();
    Some(VideoFrame {
        width,
        height,
        rgba: Arc::new(rgba),
    })
}
