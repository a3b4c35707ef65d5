//! The home view's cards as an attacker tries them (THREAT_MODEL rule 11h): Cowl draws the
//! now-playing and navigation cards from what the media and navigation apps say on the bus,
//! so a program that takes their bus names could put its own words on Cowl's home view (a
//! fake "turn now", a phone number to call). Here the test itself takes both names, claims
//! to be the declared apps, and says something else; Cowl must leave the cards as they were.
//! Then the same program, run as the apps' configured user (so that it is those apps), is
//! shown: what kept it out was who it is, nothing else. A media player that never answers
//! costs Cowl a timed-out call, never its loop: the other card goes on. The real apps on the
//! cards are in media_app.rs and nav_app.rs.

use crate::common;

use std::collections::HashMap;

use common::bus::PrivateBus;
use common::{Compositor, Image};
use cowl_sdk::guidance::{self, GuidanceState};
use zbus::{OwnedVariant, Variant};

/// Two apps: now playing and navigation cards (twice as wide), then the phone and the
/// temperature, in a row 200 high at the top of the app area (0,48 1280x672).
fn config() -> String {
    common::one_app_config("org.cowl.Media", "Media", "media")
        + r#"
[[apps]]
id = "org.cowl.Navigation"
name = "Navigation"
icon = "navigation"
"#
}

/// The row of cards.
fn cards(image: &Image) -> Image {
    image.crop(0, 60, 1280, 220)
}

/// The media app's player as an impostor serves it (MPRIS2's two interfaces, what a card
/// reads).
struct ImpostorRoot;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl ImpostorRoot {
    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        "org.cowl.Media".into()
    }
}

struct ImpostorPlayer;

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl ImpostorPlayer {
    #[zbus(property)]
    fn playback_status(&self) -> String {
        "Playing".into()
    }

    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedVariant> {
        let title =
            OwnedVariant::try_from(Variant::from("Call 0900 123 to unlock")).expect("title");
        HashMap::from([("xesam:title".to_string(), title)])
    }
}

/// A media player that takes its name and never answers what it plays.
struct HungPlayer;

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl HungPlayer {
    #[zbus(property)]
    async fn playback_status(&self) -> String {
        std::future::pending::<()>().await;
        String::new()
    }
}

/// The now-playing card and the navigation card (twice as wide as the phone's and the
/// temperature's, 22 pixels apart, 200 high, from 0,70).
fn now_playing_card(image: &Image) -> Image {
    image.crop(22, 70, 390, 200)
}

fn navigation_card(image: &Image) -> Image {
    image.crop(434, 70, 390, 200)
}

/// Takes both names on `bus` and says what the impostor wants shown.
fn impersonate_the_apps(bus: &PrivateBus) -> zbus::Connection {
    let connection = bus.connect();
    zbus::block_on(async {
        let server = connection.object_server();
        server.at("/org/mpris/MediaPlayer2", ImpostorRoot).await?;
        server.at("/org/mpris/MediaPlayer2", ImpostorPlayer).await?;
        connection
            .request_name("org.mpris.MediaPlayer2.cowl")
            .await?;
        guidance::serve(&connection, "org.cowl.Navigation").await?;
        guidance::publish(
            &connection,
            GuidanceState {
                active: true,
                instruction: "Turn right now".into(),
                onto: "the oncoming lane".into(),
                maneuver_distance_m: 5.0,
                remaining_distance_m: 20.0,
                remaining_time_s: 10,
            },
        )
        .await
    })
    .expect("serve the impostor's player and guidance");
    connection
}

#[test]
fn a_program_that_takes_the_apps_bus_names_cannot_write_on_the_home_cards() {
    let bus = PrivateBus::start();
    let mut compositor =
        Compositor::headless_on_bus(&bus, "1280x800", &["--clock", "09:41"], &config());
    let before = compositor.wait_for_capture("the home view's cards", |image| {
        // The card's white against the home view's grey, left and right.
        image.pixel(100, 100) != image.pixel(10, 300)
            && image.pixel(1200, 100) != image.pixel(10, 300)
    });
    let impostor = impersonate_the_apps(&bus);
    compositor.wait_for_capture("Cowl to refuse both impostors", |_| {
        let log = compositor.log();
        log.contains("the home view ignores this media player")
            && log.contains("the home view ignores this guidance")
    });
    // One more frame after the refusals: the cards as they were, to the pixel.
    let after = compositor.capture();
    assert!(
        cards(&after) == cards(&before),
        "the impostor changed the home cards"
    );

    // The same program as the apps' own user is the apps: its words are shown.
    compositor.terminate();
    drop(compositor);
    let compositor = Compositor::headless_on_bus(
        &bus,
        "1280x800",
        &["--clock", "09:41"],
        &common::apps_of_this_user(&config()),
    );
    compositor.wait_for_capture("the apps' words on their cards", |image| {
        cards(image) != cards(&before)
    });
    compositor.assert_not_logged("the home view ignores");
    drop(impostor);
}

#[test]
fn a_media_player_that_never_answers_costs_a_timeout_and_the_other_cards_go_on() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "1280x800",
        &["--clock", "09:41"],
        &common::apps_of_this_user(&config()),
    );
    let before = compositor.wait_for_capture("the home view's cards", |image| {
        image.pixel(100, 100) != image.pixel(10, 300)
    });
    let hung = bus.connect();
    zbus::block_on(async {
        let server = hung.object_server();
        server.at("/org/mpris/MediaPlayer2", ImpostorRoot).await?;
        server.at("/org/mpris/MediaPlayer2", HungPlayer).await?;
        hung.request_name("org.mpris.MediaPlayer2.cowl").await
    })
    .expect("serve the hung player");
    compositor.wait_for_capture("Cowl to give up on the hung player", |_| {
        compositor
            .log()
            .contains("could not read the org.mpris.MediaPlayer2.cowl state")
    });
    // The guidance, on a connection of its own, comes through all the same.
    let guidance = bus.connect();
    zbus::block_on(async {
        guidance::serve(&guidance, "org.cowl.Navigation").await?;
        guidance::publish(
            &guidance,
            GuidanceState {
                active: true,
                instruction: "Turn left".into(),
                onto: "Mannerheimintie".into(),
                maneuver_distance_m: 300.0,
                remaining_distance_m: 2_000.0,
                remaining_time_s: 240,
            },
        )
        .await
    })
    .expect("serve the guidance");
    let after = compositor.wait_for_capture("the next turn on the navigation card", |image| {
        navigation_card(image) != navigation_card(&before)
    });
    assert!(
        now_playing_card(&after) == now_playing_card(&before),
        "the hung player changed its card"
    );
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "");
}
