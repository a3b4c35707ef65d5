//! The home view's cards: what the driver wants at a glance, drawn by Cowl above the app
//! tiles, so that they show with every app hung or not started. Now playing (the media
//! app's player over MPRIS: title, artist, play/pause and next), navigation (the next
//! maneuver, how far to it and the arrival time, from the navigation app's
//! org.cowl.Guidance1), the phone (the projected phone, or none) and the outside
//! temperature (the car's). A tap on a card opens its app.
//!
//! Which app a card opens: the app whose player or guidance it shows
//! (`dbus/home_sources.rs` believes a source only from that app's own process); before
//! either has spoken, the first launcher app with the built-in icon `media` or
//! `navigation`. While the car limits string length (moving), the cards' lines are cut
//! short, as the apps' own lists are.

use smithay::output::Output;
use smithay::utils::{Logical, Rectangle};

use super::layout::{CardKind, CardPlace, HomeLayout, home_layout};
use crate::state::State;
use cowl_sdk::guidance::distance_words;
use cowl_sdk::vehicle::ux;

/// The most characters a card's line keeps while the car limits string length.
pub const DRIVING_TEXT: usize = 24;

/// One card as drawn: its place and buttons, and its words.
#[derive(Debug, Clone, PartialEq)]
pub struct CardContent {
    pub place: CardPlace,
    pub icon: &'static str,
    /// What the card is about ("Now playing"), small, above the title.
    pub label: &'static str,
    pub title: String,
    pub detail: String,
    /// The now-playing card: the player plays (its button shows pause).
    pub playing: bool,
}

impl State {
    /// The app a card about a source opens: the app the source speaks for, where `apps`
    /// offers it; before the source has spoken, the first of `apps` with the built-in icon
    /// `icon`.
    fn card_app(&self, speaks_for: Option<&String>, apps: &[String], icon: &str) -> Option<String> {
        speaks_for
            .filter(|id| apps.contains(id))
            .or_else(|| {
                apps.iter()
                    .find(|id| self.config.app(id).is_some_and(|app| app.icon == icon))
            })
            .cloned()
    }

    /// The cards of a home view that offers `apps`, each with the app a tap opens. A
    /// display that offers no apps (a passenger's, showing its own background) has none.
    fn home_cards(&self, apps: &[String]) -> Vec<(CardKind, Option<String>)> {
        if apps.is_empty() {
            return Vec::new();
        }
        let sources = &self.home_sources;
        let player_app = self.card_app(sources.player.as_ref().map(|(app, _)| app), apps, "media");
        let guidance_app = self.card_app(
            sources.guidance.as_ref().map(|(app, _)| app),
            apps,
            "navigation",
        );
        // The projection is offered only while a phone is connected.
        let phone_app = self.projection_app().filter(|id| apps.contains(id));
        let mut cards = Vec::new();
        if player_app.is_some() || sources.player.is_some() {
            cards.push((CardKind::NowPlaying, player_app));
        }
        if guidance_app.is_some() || sources.guidance.is_some() {
            cards.push((CardKind::Navigation, guidance_app));
        }
        cards.push((CardKind::Phone, phone_app));
        cards.push((CardKind::Temperature, None));
        cards
    }

    /// The home view of `output` in `area` (output-local): as drawn, and as taps find it.
    pub fn home_view_layout(&self, output: &Output, area: Rectangle<i32, Logical>) -> HomeLayout {
        let apps = self.launcher_apps(output);
        home_layout(area, &apps, &self.home_cards(&apps))
    }

    /// What each card of `layout` says now.
    pub fn card_contents(&self, layout: &HomeLayout) -> Vec<CardContent> {
        let short = self.car.restricts(ux::LIMIT_STRING_LENGTH);
        let line = |text: String| {
            if short && text.chars().count() > DRIVING_TEXT {
                let mut cut: String = text.chars().take(DRIVING_TEXT - 1).collect();
                cut.push('…');
                cut
            } else {
                text
            }
        };
        layout
            .cards
            .iter()
            .map(|place| {
                let (icon, label, title, detail, playing) = match place.kind {
                    CardKind::NowPlaying => self.now_playing_words(),
                    CardKind::Navigation => self.guidance_words(),
                    CardKind::Phone => self.phone_words(),
                    CardKind::Temperature => (
                        "temperature",
                        "Outside",
                        self.chrome
                            .readouts
                            .temperature
                            .clone()
                            .unwrap_or_else(|| "-- °C".into()),
                        String::new(),
                        false,
                    ),
                };
                CardContent {
                    place: place.clone(),
                    icon,
                    label,
                    title: line(title),
                    detail: line(detail),
                    playing,
                }
            })
            .collect()
    }

    fn now_playing_words(&self) -> (&'static str, &'static str, String, String, bool) {
        let (title, detail, playing) = match &self.home_sources.player {
            Some((_, player)) if !player.title.is_empty() => {
                (player.title.clone(), player.artist.clone(), player.playing)
            }
            Some((_, player)) => (
                "Nothing playing".to_string(),
                "Press play for the library".to_string(),
                player.playing,
            ),
            None => ("Media".to_string(), "Not playing".to_string(), false),
        };
        ("media", "Now playing", title, detail, playing)
    }

    fn guidance_words(&self) -> (&'static str, &'static str, String, String, bool) {
        let (title, detail) = match &self.home_sources.guidance {
            Some((_, guidance)) if guidance.active => {
                let title = if guidance.onto.is_empty() {
                    guidance.instruction.clone()
                } else {
                    format!("{} onto {}", guidance.instruction, guidance.onto)
                };
                let arrival = arrival_time(&self.chrome.clock(), guidance.remaining_time_s);
                let distance = distance_words(guidance.maneuver_distance_m);
                let detail = match arrival {
                    Some(arrival) => format!("in {distance} · arrive {arrival}"),
                    None => format!("in {distance}"),
                };
                (title, detail)
            }
            _ => (
                "No route".to_string(),
                "Tap to choose a destination".to_string(),
            ),
        };
        ("navigation", "Navigation", title, detail, false)
    }

    fn phone_words(&self) -> (&'static str, &'static str, String, String, bool) {
        let (title, detail) = match &self.projection.phone {
            Some(phone) if self.phone_connected() => (phone.name.clone(), phone.kind.clone()),
            _ => ("No phone".to_string(), "Not connected".to_string()),
        };
        ("phone", "Phone", title, detail, false)
    }
}

/// The clock (`HH:MM`, as the status bar shows it) `seconds` on, rounded up to the minute;
/// none when the clock does not read as a time.
pub fn arrival_time(clock: &str, seconds: u32) -> Option<String> {
    let (hours, minutes) = clock.split_once(':')?;
    let now = hours.trim().parse::<u32>().ok()? * 60 + minutes.trim().parse::<u32>().ok()?;
    let at = (now + seconds.div_ceil(60)) % (24 * 60);
    Some(format!("{:02}:{:02}", at / 60, at % 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_is_the_clock_plus_the_time_left_rounded_up() {
        assert_eq!(arrival_time("09:41", 0).as_deref(), Some("09:41"));
        assert_eq!(arrival_time("09:41", 61).as_deref(), Some("09:43"));
        assert_eq!(arrival_time("23:50", 20 * 60).as_deref(), Some("00:10"));
        assert_eq!(arrival_time("--:--", 60), None);
    }
}
