//! Spoken guidance: the pre-rendered prompt files (`assets/voice/make-prompts.sh`) played one
//! at a time by a GStreamer playbin on a thread of its own, so that the window never waits
//! on audio. A newer prompt cuts an older one short (it is more current); a missing or broken
//! file is reported and skipped. What was played, or why not, comes back as [`Spoken`].
//! Around each run of prompts the voice holds an audio focus ([`FocusHolder`]: Cowl's, so
//! that the music ducks), given back when it falls silent.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::guidance::Stage;
use crate::routing::Turn;

/// The file (without `.ogg`) that says `turn` at `stage`; `None` for what is not spoken.
pub fn prompt_for(turn: Turn, stage: Stage) -> Option<String> {
    let key = match turn {
        Turn::Depart => return None,
        Turn::Arrive => return Some("arrive".into()),
        Turn::Straight => "straight",
        Turn::SlightLeft => "slight-left",
        Turn::Left => "left",
        Turn::SharpLeft => "sharp-left",
        Turn::SlightRight => "slight-right",
        Turn::Right => "right",
        Turn::SharpRight => "sharp-right",
        Turn::UTurn => "u-turn",
    };
    let stage = match stage {
        Stage::Prepare => "prepare",
        Stage::Now => "now",
    };
    Some(format!("{stage}-{key}"))
}

/// Said after a new route.
pub const REROUTED: &str = "reroute";

/// What became of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spoken {
    Played(String),
    /// Cut short by a newer prompt.
    Interrupted(String),
    Failed {
        prompt: String,
        reason: String,
    },
}

/// No prompt is longer; a stuck sink does not hold the voice longer than this.
const LONGEST_PROMPT: Duration = Duration::from_secs(15);

pub struct Voice {
    requests: mpsc::Sender<String>,
}

/// Whom the voice asks to be heard: held before a prompt plays, released when the voice
/// falls silent (not between a prompt and a newer one that cuts it short). Called on the
/// voice's thread: it may block briefly, never for long.
pub trait FocusHolder: Send {
    fn hold(&mut self);
    fn release(&mut self);
}

impl Voice {
    /// A voice for the prompts in `folder`, played on `audio_sink` (a gst-launch
    /// description; the system's default output when `None`). Reports come to `spoken`.
    pub fn new(
        folder: PathBuf,
        audio_sink: Option<String>,
        spoken: impl Fn(Spoken) + Send + 'static,
    ) -> Result<Voice, String> {
        Voice::with_focus(folder, audio_sink, None, spoken)
    }

    /// [`Voice::new`], holding `focus` while it speaks.
    pub fn with_focus(
        folder: PathBuf,
        audio_sink: Option<String>,
        focus: Option<Box<dyn FocusHolder>>,
        spoken: impl Fn(Spoken) + Send + 'static,
    ) -> Result<Voice, String> {
        gst::init().map_err(|err| format!("GStreamer: {err}"))?;
        let playbin = gst::ElementFactory::make("playbin")
            .build()
            .map_err(|err| format!("no playbin (gstreamer1.0-plugins-base): {err}"))?;
        // Sound only: a prompt file has no pictures, and no window is to open for one.
        playbin.set_property_from_str("flags", "audio");
        if let Some(description) = audio_sink {
            let sink = gst::parse::bin_from_description(&description, true)
                .map_err(|err| format!("audio sink {description:?}: {err}"))?;
            playbin.set_property("audio-sink", &sink);
        }
        let (requests, incoming) = mpsc::channel::<String>();
        std::thread::Builder::new()
            .name("cowl-nav voice".into())
            .spawn(move || speak(playbin, folder, incoming, focus, spoken))
            .map_err(|err| format!("voice thread: {err}"))?;
        Ok(Voice { requests })
    }

    /// Says `prompt` (a file name without `.ogg`) as soon as the voice is free, or now,
    /// cutting short what it says.
    pub fn say(&self, prompt: &str) {
        let _ = self.requests.send(prompt.to_owned());
    }
}

fn speak(
    playbin: gst::Element,
    folder: PathBuf,
    incoming: mpsc::Receiver<String>,
    mut focus: Option<Box<dyn FocusHolder>>,
    spoken: impl Fn(Spoken),
) {
    let mut held = false;
    let Some(bus) = playbin.bus() else {
        return;
    };
    let mut next = incoming.recv().ok();
    while let Some(prompt) = next.take() {
        let path = folder.join(format!("{prompt}.ogg"));
        let failed = |reason: String| Spoken::Failed {
            prompt: prompt.clone(),
            reason,
        };
        if !path.is_file() {
            spoken(failed(format!("no prompt file {}", path.display())));
            next = incoming.recv().ok();
            continue;
        }
        let Some(uri) = gst::glib::filename_to_uri(&path, None).ok() else {
            spoken(failed(format!("no URI for {}", path.display())));
            next = incoming.recv().ok();
            continue;
        };
        playbin.set_property("uri", uri.as_str());
        if let (Some(focus), false) = (focus.as_mut(), held) {
            focus.hold();
            held = true;
        }
        if playbin.set_state(gst::State::Playing).is_err() {
            let _ = playbin.set_state(gst::State::Null);
            spoken(failed("the player would not start".into()));
            next = incoming.recv().ok();
            continue;
        }
        let started = Instant::now();
        let outcome = loop {
            // A newer prompt wins.
            if let Ok(newer) = incoming.try_recv() {
                next = Some(newer);
                break Spoken::Interrupted(prompt.clone());
            }
            if started.elapsed() > LONGEST_PROMPT {
                break failed("it did not finish".into());
            }
            let Some(message) = bus.timed_pop_filtered(
                gst::ClockTime::from_mseconds(50),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            ) else {
                continue;
            };
            match message.view() {
                gst::MessageView::Eos(_) => break Spoken::Played(prompt.clone()),
                gst::MessageView::Error(error) => break failed(error.error().to_string()),
                _ => {}
            }
        };
        let _ = playbin.set_state(gst::State::Null);
        // What the stopped run left on the bus belongs to it, not to the next prompt.
        while bus.pop().is_some() {}
        spoken(outcome);
        if next.is_none() {
            next = incoming.try_recv().ok();
        }
        if next.is_none() {
            // Silent now: the music may come back up.
            if let (Some(focus), true) = (focus.as_mut(), held) {
                focus.release();
                held = false;
            }
            next = incoming.recv().ok();
        }
    }
    if let (Some(focus), true) = (focus.as_mut(), held) {
        focus.release();
    }
    let _ = playbin.set_state(gst::State::Null);
}
