//! The engine with real GStreamer: the generated media in assets/media scanned by the
//! Discoverer, played by playbin into fakesinks that keep real time, and the results read
//! from the snapshots the window and MPRIS see.

mod common;

use std::time::Duration;

use common::{Harness, copy_media};
use cowl_media::engine::{Command, Status};
use cowl_media::library::Cover;

/// The three test tones without the video, scanned: an engine on its temporary folder.
fn three_tracks_scanned() -> (tempfile::TempDir, Harness) {
    let dir = tempfile::tempdir().unwrap();
    copy_media(dir.path());
    std::fs::remove_dir_all(dir.path().join("video")).unwrap();
    let harness = Harness::start(dir.path());
    harness.wait_for("the scan", |snapshot| snapshot.library.len() == 3);
    (dir, harness)
}

#[test]
fn the_library_has_tags_cover_art_video_and_an_error_row_and_a_second_start_skips_discovery() {
    let dir = tempfile::tempdir().unwrap();
    copy_media(dir.path());
    std::fs::write(
        dir.path().join("broken.ogg"),
        b"this is not an Ogg stream at all",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not media").unwrap();

    let harness = Harness::start(dir.path());
    let snapshot = harness.wait_for("the first scan", |snapshot| {
        !snapshot.scanning && !snapshot.library.is_empty()
    });
    let titles: Vec<&str> = snapshot
        .library
        .iter()
        .map(|track| track.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["broken", "Low Hum", "Middle A", "High Beep", "Test Pattern"],
        "path order; notes.txt and cover.png are not media"
    );
    assert_eq!(snapshot.scan.discovered, 5);

    let broken = &snapshot.library[0];
    assert!(!broken.is_playable());
    assert!(
        broken.problem.as_deref().unwrap().contains("corrupt"),
        "{broken:?}"
    );

    let middle = &snapshot.library[2];
    assert_eq!(middle.artist.as_deref(), Some("Cowl Test Band"));
    assert_eq!(middle.album.as_deref(), Some("Test Tones"));
    assert_eq!(middle.track_number, Some(2));
    assert!(!middle.has_video);
    let length = middle.duration.unwrap();
    assert!(
        length > Duration::from_millis(2_800) && length < Duration::from_millis(3_200),
        "{length:?}"
    );
    assert!(matches!(&middle.cover, Some(Cover::File(path)) if path.ends_with("cover.png")));

    let video = &snapshot.library[4];
    assert!(video.has_video);
    assert_eq!(video.artist.as_deref(), Some("Cowl Test Band"));
    drop(harness);

    let again = Harness::start(dir.path());
    let snapshot = again.wait_for("the second scan", |snapshot| {
        !snapshot.scanning && !snapshot.library.is_empty()
    });
    assert_eq!(snapshot.scan.files, 5);
    assert_eq!(snapshot.scan.discovered, 0, "the store knew every file");
    assert_eq!(snapshot.library[2].title, "Middle A");
    assert!(
        !snapshot.library[0].is_playable(),
        "the error row is remembered too"
    );
}

#[test]
fn playback_advances_hands_over_gaplessly_and_stops_at_the_end() {
    let (_dir, harness) = three_tracks_scanned();

    harness.send(Command::PlayEntry(0));
    let playing = harness.wait_for("position to advance", |snapshot| {
        snapshot.status == Status::Playing && snapshot.position >= Duration::from_secs(1)
    });
    assert_eq!(playing.current, Some(0));
    assert_eq!(playing.current_track().unwrap().title, "Low Hum");

    // Near the end of the first track: the next one follows by the gapless hand-over.
    harness.send(Command::SetPosition(Duration::from_millis(2_500)));
    let second = harness.wait_for("the second track", |snapshot| snapshot.current == Some(1));
    assert_eq!(second.status, Status::Playing, "no stop between tracks");
    assert_eq!(second.current_track().unwrap().title, "Middle A");

    harness.send(Command::Next);
    harness.wait_for("the third track", |snapshot| snapshot.current == Some(2));
    harness.send(Command::SetPosition(Duration::from_millis(2_500)));
    let end = harness.wait_for("the end of the queue", |snapshot| {
        snapshot.status == Status::Stopped
    });
    assert_eq!(end.current, Some(2), "stays on the last track, stopped");
    assert!(!end.can_go_next);
}

#[test]
fn a_seek_sent_right_after_loading_is_done_once_the_track_has_prerolled() {
    let (_dir, harness) = three_tracks_scanned();

    // The seek reaches the engine while the track is still prerolling.
    harness.send(Command::PlayEntry(2));
    harness.send(Command::SetPosition(Duration::from_millis(2_500)));
    // `seeks` counts the track's start (1) and then the seek (2).
    let earliest = std::cell::Cell::new(Duration::MAX);
    let end = harness.wait_for("the end of the track", |snapshot| {
        if snapshot.seeks >= 2 && snapshot.status == Status::Playing {
            earliest.set(earliest.get().min(snapshot.position));
        }
        snapshot.status == Status::Stopped && snapshot.seeks >= 2
    });
    assert_eq!(end.current, Some(2));
    // Positions are shown in whole seconds: from 2.5 s on, never 0 or 1.
    assert!(
        earliest.get() >= Duration::from_secs(2),
        "played from {:?}, not from the seek",
        earliest.get()
    );
}

#[test]
fn a_file_gone_before_its_turn_becomes_an_error_row_and_the_next_one_plays() {
    let (dir, harness) = three_tracks_scanned();
    std::fs::remove_file(dir.path().join("test-tones/02-middle-a.ogg")).unwrap();

    harness.send(Command::PlayEntry(0));
    harness.wait_for("the first track", |snapshot| {
        snapshot.status == Status::Playing
    });
    harness.send(Command::SetPosition(Duration::from_millis(2_500)));
    let skipped = harness.wait_for("the third track", |snapshot| snapshot.current == Some(2));
    assert_eq!(skipped.status, Status::Playing);
    let gone = &skipped.library[1];
    assert!(!gone.is_playable(), "{gone:?}");
    assert!(
        skipped
            .notice
            .as_deref()
            .unwrap()
            .starts_with("Middle A cannot be played")
    );
}

#[test]
fn shuffle_repeat_and_previous_follow_the_queue() {
    let (_dir, harness) = three_tracks_scanned();

    harness.send(Command::PlayEntry(2));
    harness.wait_for("the last track", |snapshot| snapshot.current == Some(2));
    assert!(!harness.snapshot().can_go_next);
    harness.send(Command::SetRepeat(cowl_media::queue::Repeat::All));
    harness.wait_for("next to wrap around", |snapshot| snapshot.can_go_next);
    harness.send(Command::Next);
    harness.wait_for("the first track again", |snapshot| {
        snapshot.current == Some(0)
    });
    harness.send(Command::Previous);
    harness.wait_for("previous to wrap back", |snapshot| {
        snapshot.current == Some(2)
    });
    harness.send(Command::SetShuffle(true));
    let shuffled = harness.wait_for("shuffle", |snapshot| snapshot.shuffle);
    assert_eq!(shuffled.current, Some(2), "shuffle keeps the current track");
}
