//! The window: now playing (cover art or the video picture, title, artist, seek bar), the
//! transport buttons, and the library list with search. A pure view of the engine's
//! [`Snapshot`]: it redraws when a snapshot or video frame arrives (a second's tick while
//! playing, the frame rate while a video shows), never on its own.
//!
//! Made for a touchscreen in a car: every target is at least [`TOUCH_TARGET`] high, the text
//! reads at a glance, the theme follows the car's day/night mode, and the restrictions are
//! obeyed here as well as in the engine: no picture under NO_VIDEO, search disabled under
//! NO_KEYBOARD, a short list under LIMIT_CONTENT.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cowl_sdk::vehicle::ux;
use iced::widget::{
    Space, button, column, container, image, row, scrollable, slider, text, text_input,
};
use iced::{Alignment, Color, Element, Font, Length, Subscription, Task, Theme};
use tokio::sync::{mpsc, watch};

use crate::engine::{Command, Snapshot, Status};
use crate::library::Track;
use crate::player::VideoFrame;
use crate::queue::Repeat;

/// The smallest touch target, as every app of the head unit has it.
pub use cowl_sdk::ui::TOUCH_TARGET;
/// Rows shown under LIMIT_CONTENT: Android Automotive's default `maxCumulativeContentItems`.
pub const LIMITED_ROWS: usize = 21;
const COVER_SIZE: f32 = 150.0;
/// The transport buttons' row at most: wide enough for their labels, narrow enough to reach.
const TRANSPORT_WIDTH: f32 = 720.0;

/// The apps' typeface, embedded (cowl_sdk::ui).
use cowl_sdk::ui::{FONT_BOLD, FONT_REGULAR};
const FONT: Font = Font::with_name(cowl_sdk::ui::FONT_FAMILY);
const BOLD: Font = Font {
    weight: iced::font::Weight::Bold,
    ..FONT
};

#[derive(Debug, Clone)]
pub enum Message {
    Snapshot(Box<Snapshot>),
    Frame(VideoFrame),
    Send(Command),
    Search(String),
    /// The seek bar is being dragged to this second.
    Seeking(f64),
    /// The seek bar was let go.
    SeekDone,
}

/// The engine's channels, for the window's subscriptions (hashed by a constant: one engine).
#[derive(Clone)]
struct Feed<T>(watch::Receiver<T>, &'static str);

impl<T> Hash for Feed<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.1.hash(state);
    }
}

pub struct Window {
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Snapshot>,
    frames: watch::Receiver<Option<VideoFrame>>,
    snapshot: Snapshot,
    search: String,
    seeking: Option<f64>,
    cover: Option<(Arc<Vec<u8>>, image::Handle)>,
    frame: Option<image::Handle>,
    day: Theme,
    night: Theme,
}

/// Runs the window until it is closed.
pub fn run(
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Snapshot>,
    frames: watch::Receiver<Option<VideoFrame>>,
) -> iced::Result {
    let boot = move || Window::new(commands.clone(), snapshots.clone(), frames.clone());
    iced::application(boot, Window::update, Window::view)
        .title("Media")
        .subscription(Window::subscription)
        .theme(Window::theme)
        .font(FONT_REGULAR)
        .font(FONT_BOLD)
        .default_font(FONT)
        .window(iced::window::Settings {
            platform_specific: iced::window::settings::PlatformSpecific {
                application_id: crate::mpris::APP_ID.to_string(),
                ..Default::default()
            },
            ..Default::default()
        })
        .run()
}

impl Window {
    fn new(
        commands: mpsc::UnboundedSender<Command>,
        snapshots: watch::Receiver<Snapshot>,
        frames: watch::Receiver<Option<VideoFrame>>,
    ) -> Window {
        let snapshot = snapshots.borrow().clone();
        Window {
            commands,
            snapshots,
            frames,
            snapshot,
            search: String::new(),
            seeking: None,
            cover: None,
            frame: None,
            day: Theme::custom("Cowl Day", palette(false)),
            night: Theme::custom("Cowl Night", palette(true)),
        }
    }

    fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Snapshot(snapshot) => {
                self.cover = snapshot.cover.clone().map(|bytes| match &self.cover {
                    Some((known, handle)) if Arc::ptr_eq(known, &bytes) => (bytes, handle.clone()),
                    _ => {
                        let handle = image::Handle::from_bytes(bytes.as_ref().clone());
                        (bytes, handle)
                    }
                });
                let track_changed = snapshot.current != self.snapshot.current;
                self.snapshot = *snapshot;
                if track_changed || !self.shows_video() {
                    self.frame = None;
                }
            }
            Message::Frame(frame) => {
                if self.shows_video() {
                    self.frame = Some(image::Handle::from_rgba(
                        frame.width,
                        frame.height,
                        frame.rgba.as_ref().clone(),
                    ));
                }
            }
            Message::Send(command) => {
                let _ = self.commands.send(command);
            }
            Message::Search(search) => {
                if self.keyboard_allowed() {
                    self.search = search;
                }
            }
            Message::Seeking(second) => self.seeking = Some(second),
            Message::SeekDone => {
                if let Some(second) = self.seeking.take() {
                    let _ = self
                        .commands
                        .send(Command::SetPosition(Duration::from_secs_f64(second)));
                }
            }
        }
        Task::none()
    }

    fn subscription(&self) -> Subscription<Message> {
        let snapshots = Subscription::run_with(Feed(self.snapshots.clone(), "snapshots"), |feed| {
            futures_util::stream::unfold(feed.0.clone(), |mut feed| async move {
                feed.changed().await.ok()?;
                let snapshot = feed.borrow_and_update().clone();
                Some((Message::Snapshot(Box::new(snapshot)), feed))
            })
        });
        // Frames only while a picture may show: otherwise nothing wakes the window.
        if !self.shows_video() {
            return snapshots;
        }
        let frames = Subscription::run_with(Feed(self.frames.clone(), "frames"), |feed| {
            futures_util::stream::unfold(feed.0.clone(), |mut feed| async move {
                loop {
                    feed.changed().await.ok()?;
                    let frame = feed.borrow_and_update().clone();
                    if let Some(frame) = frame {
                        return Some((Message::Frame(frame), feed));
                    }
                }
            })
        });
        Subscription::batch([snapshots, frames])
    }

    fn theme(&self) -> Theme {
        if self.snapshot.night {
            self.night.clone()
        } else {
            self.day.clone()
        }
    }

    fn restricted(&self, bit: u32) -> bool {
        self.snapshot.ux_restrictions & bit != 0
    }

    fn keyboard_allowed(&self) -> bool {
        !self.restricted(ux::NO_KEYBOARD)
    }

    /// The current track has a picture and it may be shown.
    fn shows_video(&self) -> bool {
        self.snapshot.video_allowed()
            && self.snapshot.status != Status::Stopped
            && self
                .snapshot
                .current_track()
                .is_some_and(|track| track.has_video)
    }

    fn view(&self) -> Element<'_, Message> {
        let content = column![self.now_playing(), self.transport(), self.library()]
            .spacing(12)
            .padding(16);
        container(content)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    fn now_playing(&self) -> Element<'_, Message> {
        let snapshot = &self.snapshot;
        let track = snapshot.current_track();
        let picture: Element<'_, Message> = match (&self.frame, &self.cover, track) {
            (Some(frame), _, _) => image(frame.clone())
                .width(COVER_SIZE * 16.0 / 9.0)
                .height(COVER_SIZE)
                .into(),
            (None, _, Some(track)) if track.has_video && !snapshot.video_allowed() => {
                placeholder("Video is off while driving.\nThe sound plays on.")
            }
            (None, Some((_, cover)), _) => image(cover.clone())
                .width(COVER_SIZE)
                .height(COVER_SIZE)
                .into(),
            (None, None, _) => placeholder("No cover"),
        };
        let title = track.map_or("Nothing playing", |track| track.title.as_str());
        let byline = track.map(byline).unwrap_or_default();
        let mut details =
            column![text(title).size(30).font(BOLD), text(byline).size(20),].spacing(6);
        if let Some(duration) = snapshot.duration.filter(|_| track.is_some()) {
            let total = duration.as_secs_f64().max(1.0);
            let at = self
                .seeking
                .unwrap_or(snapshot.position.as_secs_f64())
                .min(total);
            details = details.push(
                row![
                    text(clock(Duration::from_secs_f64(at.floor()))).size(18),
                    slider(0.0..=total, at, Message::Seeking)
                        .on_release(Message::SeekDone)
                        .height(TOUCH_TARGET / 2.0),
                    text(clock(duration)).size(18),
                ]
                .spacing(12)
                .align_y(Alignment::Center),
            );
        }
        if let Some(status) = self.status_line() {
            details = details.push(text(status).size(18));
        }
        row![picture, details.width(Length::Fill)]
            .spacing(20)
            .align_y(Alignment::Center)
            .into()
    }

    /// What the driver should know now: an interruption, a scan, a problem.
    fn status_line(&self) -> Option<String> {
        let snapshot = &self.snapshot;
        if let Some(interruption) = snapshot.interruption {
            return Some(interruption.describe().to_string());
        }
        if snapshot.scanning {
            return Some("Looking for music…".to_string());
        }
        snapshot.notice.clone()
    }

    fn transport(&self) -> Element<'_, Message> {
        let snapshot = &self.snapshot;
        let playing = snapshot.status == Status::Playing;
        let play_label = if playing { "▮▮" } else { "▶" };
        let send = |command: Command| Message::Send(command);
        let repeat_label = match snapshot.repeat {
            Repeat::Off => "Repeat off",
            Repeat::All => "Repeat all",
            Repeat::Track => "Repeat one",
        };
        let buttons = row![
            touch_button(
                if snapshot.shuffle {
                    "Shuffle on"
                } else {
                    "Shuffle off"
                },
                Some(send(Command::SetShuffle(!snapshot.shuffle))),
                3,
            ),
            touch_button(
                "◀◀",
                snapshot.can_go_previous.then(|| send(Command::Previous)),
                2,
            ),
            touch_button(play_label, Some(send(Command::PlayPause)), 2),
            touch_button("▶▶", snapshot.can_go_next.then(|| send(Command::Next)), 2),
            touch_button(
                repeat_label,
                Some(send(Command::SetRepeat(snapshot.repeat.cycled()))),
                3,
            ),
        ]
        .spacing(12);
        // Shares of the width, up to a comfortable reach: they shrink in a split zone.
        container(buttons).max_width(TRANSPORT_WIDTH).into()
    }

    fn library(&self) -> Element<'_, Message> {
        let snapshot = &self.snapshot;
        let search = if self.keyboard_allowed() {
            text_input("Search titles, artists, albums", &self.search).on_input(Message::Search)
        } else {
            // No on_input: the field is disabled, and the OSK is never asked for.
            text_input("Search is off while driving", "")
        }
        .size(20)
        .padding(14);

        let needle = if self.keyboard_allowed() {
            self.search.trim().to_lowercase()
        } else {
            String::new()
        };
        let limit = self.restricted(ux::LIMIT_CONTENT).then_some(LIMITED_ROWS);
        let (entries, more) = visible_entries(&snapshot.library, &needle, limit);
        let shown = entries.len();
        let mut rows = column![].spacing(4);
        for index in entries {
            rows = rows.push(self.library_row(index, &snapshot.library[index]));
        }
        if more {
            rows = rows.push(text("More when parked").size(18));
        }
        if shown == 0 && !snapshot.scanning {
            rows = rows.push(
                text(if needle.is_empty() {
                    "No music found. Plug in a USB stick or add files to the music folder."
                } else {
                    "Nothing matches the search."
                })
                .size(18),
            );
        }
        column![search, scrollable(rows).height(Length::Fill)]
            .spacing(8)
            .into()
    }

    fn library_row<'a>(&self, index: usize, track: &'a Track) -> Element<'a, Message> {
        let current = self.snapshot.current == Some(index);
        let label: Element<'a, Message> = match &track.problem {
            Some(problem) => text(format!("Cannot play {}: {problem}", track.title))
                .size(18)
                .into(),
            None => row![
                text(&track.title)
                    .size(20)
                    .font(if current { BOLD } else { FONT }),
                text(byline(track)).size(16),
                Space::new().width(Length::Fill),
                text(track.duration.map(clock).unwrap_or_default()).size(16),
            ]
            .spacing(14)
            .align_y(Alignment::Center)
            .into(),
        };
        let on_press = track
            .is_playable()
            .then_some(Message::Send(Command::PlayEntry(index)));
        let problem = track.problem.is_some();
        button(
            container(label)
                .height(TOUCH_TARGET)
                .align_y(Alignment::Center),
        )
        .width(Length::Fill)
        .padding([0, 14])
        .on_press_maybe(on_press)
        .style(move |theme: &Theme, status| {
            let palette = theme.extended_palette();
            let mut style = button::secondary(theme, status);
            style.background = Some(
                if current {
                    palette.primary.weak.color
                } else {
                    palette.background.weak.color
                }
                .into(),
            );
            style.text_color = if problem {
                palette.danger.base.color
            } else if current {
                palette.primary.weak.text
            } else {
                palette.background.weak.text
            };
            style
        })
        .into()
    }
}

/// The library entries the list shows: those matching the search (lower-case; empty matches
/// all), at most `limit` of them; and whether more were left out.
fn visible_entries(library: &[Track], needle: &str, limit: Option<usize>) -> (Vec<usize>, bool) {
    let mut matching = library
        .iter()
        .enumerate()
        .filter(|(_, track)| needle.is_empty() || matches_search(track, needle))
        .map(|(index, _)| index);
    let limit = limit.unwrap_or(usize::MAX);
    let shown: Vec<usize> = matching.by_ref().take(limit).collect();
    (shown, matching.next().is_some())
}

fn matches_search(track: &Track, needle: &str) -> bool {
    [
        Some(&track.title),
        track.artist.as_ref(),
        track.album.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(needle))
}

fn byline(track: &Track) -> String {
    match (&track.artist, &track.album) {
        (Some(artist), Some(album)) => format!("{artist} — {album}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => String::new(),
    }
}

/// m:ss, rounded to the nearest second (a 2.995 s track is 0:03 long).
fn clock(duration: Duration) -> String {
    let seconds = (duration + Duration::from_millis(500)).as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn touch_button(label: &str, on_press: Option<Message>, share: u16) -> Element<'_, Message> {
    button(
        container(text(label).size(22).font(BOLD))
            .center_x(Length::Fill)
            .center_y(Length::Fill),
    )
    .width(Length::FillPortion(share))
    .height(TOUCH_TARGET + 7.0)
    .on_press_maybe(on_press)
    .into()
}

fn placeholder(label: &str) -> Element<'_, Message> {
    container(text(label).size(18).align_x(Alignment::Center))
        .width(COVER_SIZE)
        .height(COVER_SIZE)
        .center_x(COVER_SIZE)
        .center_y(COVER_SIZE)
        .style(|theme: &Theme| {
            let palette = theme.extended_palette();
            container::Style::default()
                .background(palette.background.strong.color)
                .color(palette.background.strong.text)
        })
        .into()
}

/// Night: dark, low-glare, close to Cowl's own panels; day: light with strong contrast.
fn palette(night: bool) -> iced::theme::Palette {
    let rgb = |hex: u32| Color::from_rgb8((hex >> 16) as u8, (hex >> 8) as u8, hex as u8);
    if night {
        iced::theme::Palette {
            background: rgb(0x10151c),
            text: rgb(0xe6edf3),
            primary: rgb(0x3d8bfd),
            success: rgb(0x3fb950),
            warning: rgb(0xd29922),
            danger: rgb(0xff7b72),
        }
    } else {
        iced::theme::Palette {
            background: rgb(0xffffff),
            text: rgb(0x1b1f24),
            primary: rgb(0x0a66c2),
            success: rgb(0x1a7f37),
            warning: rgb(0x9a6700),
            danger: rgb(0xcf222e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(title: &str, artist: &str) -> Track {
        Track {
            path: format!("/m/{title}.ogg").into(),
            title: title.into(),
            artist: Some(artist.into()),
            album: None,
            track_number: None,
            duration: None,
            has_video: false,
            cover: None,
            problem: None,
        }
    }

    #[test]
    fn limit_content_cuts_the_list_and_says_there_is_more() {
        let library: Vec<Track> = (0..30)
            .map(|n| track(&format!("Song {n}"), "Band"))
            .collect();
        let (shown, more) = visible_entries(&library, "", Some(LIMITED_ROWS));
        assert_eq!(shown, (0..LIMITED_ROWS).collect::<Vec<_>>());
        assert!(more);
        let (shown, more) = visible_entries(&library, "", None);
        assert_eq!(shown.len(), 30);
        assert!(!more);
        let (shown, more) = visible_entries(&library[..LIMITED_ROWS], "", Some(LIMITED_ROWS));
        assert_eq!(shown.len(), LIMITED_ROWS);
        assert!(!more, "exactly the limit leaves nothing out");
    }

    #[test]
    fn search_matches_title_artist_and_album_ignoring_case() {
        let library = vec![track("Low Hum", "Cowl Test Band"), track("Beep", "Other")];
        assert_eq!(visible_entries(&library, "hum", None).0, [0]);
        assert_eq!(visible_entries(&library, "other", None).0, [1]);
        assert!(visible_entries(&library, "nothing", None).0.is_empty());
    }

    #[test]
    fn clocks_round_to_the_nearest_second() {
        assert_eq!(clock(Duration::from_millis(2_995)), "0:03");
        assert_eq!(clock(Duration::from_secs(61)), "1:01");
    }
}
