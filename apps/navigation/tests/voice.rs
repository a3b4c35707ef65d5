//! The spoken prompts as GStreamer plays them (to a fakesink at the real rate): each bundled
//! prompt the guidance can ask for exists and plays to its end; a newer prompt cuts an older
//! one short; a missing or broken file is reported, and the voice goes on; the audio focus
//! is held from the first prompt until the voice falls silent.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use cowl_nav::guidance::Stage;
use cowl_nav::routing::Turn;
use cowl_nav::voice::{Spoken, Voice, prompt_for};

/// Generous for a loaded 2-core machine; a passing test never waits this long.
const DEADLINE: Duration = Duration::from_secs(30);

fn prompts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/voice/prompts")
}

fn voice(folder: PathBuf) -> (Voice, mpsc::Receiver<Spoken>) {
    let (sender, reports) = mpsc::channel();
    let voice = Voice::new(folder, Some("fakesink sync=true".into()), move |spoken| {
        let _ = sender.send(spoken);
    })
    .expect("a voice");
    (voice, reports)
}

fn next(reports: &mpsc::Receiver<Spoken>) -> Spoken {
    reports
        .recv_timeout(DEADLINE)
        .expect("a report from the voice")
}

#[test]
fn every_prompt_guidance_can_ask_for_exists() {
    let turns = [
        Turn::Straight,
        Turn::SlightLeft,
        Turn::Left,
        Turn::SharpLeft,
        Turn::SlightRight,
        Turn::Right,
        Turn::SharpRight,
        Turn::UTurn,
        Turn::Arrive,
    ];
    for turn in turns {
        for stage in [Stage::Prepare, Stage::Now] {
            let prompt = prompt_for(turn, stage).expect("spoken");
            assert!(
                prompts().join(format!("{prompt}.ogg")).is_file(),
                "{prompt}: run assets/voice/make-prompts.sh"
            );
        }
    }
    assert_eq!(prompt_for(Turn::Depart, Stage::Now), None);
    assert!(
        prompts()
            .join(format!("{}.ogg", cowl_nav::voice::REROUTED))
            .is_file()
    );
}

#[test]
fn prompts_play_to_the_end_and_a_newer_one_cuts_an_older_short() {
    let (voice, reports) = voice(prompts());
    voice.say("now-left");
    assert_eq!(next(&reports), Spoken::Played("now-left".into()));
    voice.say("prepare-right");
    voice.say("now-right");
    assert_eq!(next(&reports), Spoken::Interrupted("prepare-right".into()));
    assert_eq!(next(&reports), Spoken::Played("now-right".into()));
}

#[test]
fn a_missing_or_broken_prompt_is_reported_and_the_voice_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("now-left.ogg"), b"OggS but not really").unwrap();
    std::fs::copy(prompts().join("arrive.ogg"), dir.path().join("arrive.ogg")).unwrap();
    let (voice, reports) = voice(dir.path().to_path_buf());
    voice.say("now-left");
    match next(&reports) {
        Spoken::Failed { prompt, reason } => {
            assert_eq!(prompt, "now-left");
            assert!(!reason.is_empty());
        }
        other => panic!("{other:?}"),
    }
    voice.say("now-right");
    match next(&reports) {
        Spoken::Failed { prompt, reason } => {
            assert_eq!(prompt, "now-right");
            assert!(reason.contains("no prompt file"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    voice.say("arrive");
    assert_eq!(next(&reports), Spoken::Played("arrive".into()));
}

/// What a focus holder was told, in one timeline with what the voice reported.
#[derive(Debug, Clone, PartialEq)]
enum Heard {
    Hold,
    Release,
    Spoken(Spoken),
}

struct RecordingFocus(mpsc::Sender<Heard>);

impl cowl_nav::voice::FocusHolder for RecordingFocus {
    fn hold(&mut self) {
        let _ = self.0.send(Heard::Hold);
    }
    fn release(&mut self) {
        let _ = self.0.send(Heard::Release);
    }
}

#[test]
fn the_focus_is_held_from_the_first_prompt_until_the_voice_falls_silent() {
    let (sender, timeline) = mpsc::channel();
    let reports = sender.clone();
    let voice = Voice::with_focus(
        prompts(),
        Some("fakesink sync=true".into()),
        Some(Box::new(RecordingFocus(sender))),
        move |spoken| {
            let _ = reports.send(Heard::Spoken(spoken));
        },
    )
    .expect("a voice");
    let next = || timeline.recv_timeout(DEADLINE).expect("the voice goes on");
    // A prompt cut short by a newer one: the focus is held across both.
    voice.say("prepare-right");
    voice.say("now-right");
    assert_eq!(next(), Heard::Hold);
    assert_eq!(
        next(),
        Heard::Spoken(Spoken::Interrupted("prepare-right".into()))
    );
    assert_eq!(next(), Heard::Spoken(Spoken::Played("now-right".into())));
    assert_eq!(next(), Heard::Release);
    // The next prompt holds it again.
    voice.say("arrive");
    assert_eq!(next(), Heard::Hold);
    assert_eq!(next(), Heard::Spoken(Spoken::Played("arrive".into())));
    assert_eq!(next(), Heard::Release);
}
