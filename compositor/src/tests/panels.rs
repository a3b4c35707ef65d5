//! Layer-shell panels from trusted clients (an OEM's own bars, the on-screen keyboard): each
//! sits where wlr-layer-shell puts it whatever the order they appear in, and the strip a
//! panel reserves is taken from the apps (`shell/layer_placement.rs`).

use cowl_testkit::config::screen;
use wayland_protocols_wlr::layer_shell::v1::client::zwlr_layer_shell_v1::Layer;
use wayland_protocols_wlr::layer_shell::v1::client::zwlr_layer_surface_v1::Anchor;

use super::fixture::{ClientId, Fixture};
use crate::state::ClientState;

/// 640x480: status bar 0..40, app area 40..400, dock 400..480.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .app("org.test.Red", "Red", &[])
        .toml()
}

fn trusted_client(f: &mut Fixture) -> ClientId {
    let id = f.add_client_as(ClientState {
        privileged: true,
        ..Default::default()
    });
    f.client(id).listen_to_touch();
    id
}

/// Maps a layer surface: created, configured, drawn at its configured size.
fn map_layer_surface(
    f: &mut Fixture,
    client: ClientId,
    anchor: Anchor,
    size: (u32, u32),
    exclusive_zone: i32,
) -> usize {
    let index = f
        .client(client)
        .create_layer_surface(Layer::Top, anchor, size, exclusive_zone);
    f.roundtrip(client);
    f.client(client).draw_layer_surface(index, 0x3050a0);
    f.roundtrip(client);
    index
}

#[test]
fn a_bar_shown_before_a_panel_that_reserves_the_top_moves_below_that_panel() {
    let mut f = Fixture::new(&config(), "640x480");
    let red = f.show_app("org.test.Red", 0xff0000);
    let shell = trusted_client(&mut f);
    let across_the_top = Anchor::Top | Anchor::Left | Anchor::Right;
    let bar = map_layer_surface(&mut f, shell, across_the_top, (0, 50), 0);
    let panel = map_layer_surface(&mut f, shell, across_the_top, (0, 80), 80);
    f.roundtrip(shell);
    f.roundtrip(red);

    // The panel holds 0..80; the bar, which reserves nothing, comes under it at 80..130.
    f.tap((320.0, 100.0));
    f.tap((320.0, 10.0));
    f.roundtrip(shell);
    let bar_id = f.client(shell).layer_surface_id(bar);
    let panel_id = f.client(shell).layer_surface_id(panel);
    assert_eq!(
        f.client(shell).observed.touch_down_surfaces,
        [bar_id, panel_id]
    );
    assert_eq!(
        f.client(shell).observed.touch_downs,
        [(320.0, 20.0), (320.0, 10.0)]
    );
    // The app gives up the panel's strip: its area was 40..400, now 80..400.
    f.redraw(red, 0xff0000);
    assert_eq!(f.configured_size(red), (640, 320));
}

#[test]
fn a_panel_anchored_to_both_sides_keeps_the_width_it_asked_for_centred_between_them() {
    let mut f = Fixture::new(&config(), "640x480");
    let shell = trusted_client(&mut f);
    let panel = map_layer_surface(&mut f, shell, Anchor::Left | Anchor::Right, (400, 100), 0);
    assert_eq!(
        f.client(shell).observed.layer_configures[panel],
        [(400, 100)]
    );

    // At 120..520 x 190..290: a tap at the screen's centre is at 200,50 on it.
    f.tap((320.0, 240.0));
    f.tap((60.0, 240.0));
    f.roundtrip(shell);
    assert_eq!(f.client(shell).observed.touch_downs, [(200.0, 50.0)]);
}
