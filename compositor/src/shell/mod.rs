//! The IVI shell: where app windows go. Each output is cut into zones (`zones.rs`: status
//! bar, dock, app area); the app area, less what layer-shell panels reserve, shows the view
//! of that output (`views.rs`: home, one app, a split), applied to the windows by
//! `activation.rs`. The curtain hides everything until the shell is ready, the watchdog
//! covers hung apps.
//!
//! Placement is decided before the first configure, so a client's first buffer already has
//! the size it will be shown at.

use smithay::desktop::{Space, Window};
use smithay::output::Output;
use smithay::reexports::wayland_protocols::xdg::shell::server::xdg_toplevel;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{Logical, Point, Rectangle, Size};
use smithay::wayland::compositor::{get_parent, with_states};
use smithay::wayland::shell::xdg::{SurfaceCachedState, ToplevelSurface, XdgToplevelSurfaceData};

use crate::config::Config;

pub mod activation;
pub mod app_state;
pub mod audio_focus;
pub mod curtain;
pub mod free_placement;
pub mod layer_placement;
pub mod osk;
pub mod projection;
pub mod resize_deadline;
pub mod views;
pub mod watchdog;
pub mod zones;

/// The top of a subsurface tree: the surface that a window or layer surface is made of.
pub fn root_surface(surface: &WlSurface) -> WlSurface {
    let mut root = surface.clone();
    while let Some(parent) = get_parent(&root) {
        root = parent;
    }
    root
}

/// The output that new apps are placed on.
pub fn primary_output(space: &Space<Window>) -> Option<Output> {
    space.outputs().next().cloned()
}

/// The zones of `output` from its configured layout (no panels when it has none).
pub fn output_zones(
    space: &Space<Window>,
    output: &Output,
    config: &Config,
) -> Option<zones::Zones> {
    let size = space.output_geometry(output)?.size;
    let layout = config
        .output(&output.name())
        .map(|output| output.layout.clone())
        .unwrap_or_default();
    Some(zones::zones(size, &layout))
}

/// The part of `output` that apps may cover, in global logical coordinates: the app area of
/// its layout, less what layer-shell panels reserve.
pub fn app_area(
    space: &Space<Window>,
    output: &Output,
    config: &Config,
) -> Option<Rectangle<i32, Logical>> {
    let output_geometry = space.output_geometry(output)?;
    let configured = output_zones(space, output, config)?.app_area;
    let layer_free = layer_placement::app_zone(output);
    let mut area = configured
        .intersection(layer_free)
        .unwrap_or(Rectangle::new(configured.loc, (0, 0).into()));
    area.loc += output_geometry.loc;
    Some(area)
}

/// The xdg app_id a toplevel has set, if any.
pub fn app_id(toplevel: &ToplevelSurface) -> Option<String> {
    with_states(toplevel.wl_surface(), |states| {
        states
            .data_map
            .get::<XdgToplevelSurfaceData>()
            .and_then(|data| data.lock().ok().and_then(|data| data.app_id.clone()))
    })
}

/// Sets the pending configure of a toplevel to `size` within `area`, borderless and
/// activated: `size` is the area's, or the window's own where it keeps one
/// ([`fixed_size`]).
pub fn configure_to_fill(
    toplevel: &ToplevelSurface,
    area: Rectangle<i32, Logical>,
    size: Size<i32, Logical>,
) {
    toplevel.with_pending_state(|pending| {
        pending.size = Some(size);
        pending.bounds = Some(area.size);
        // Maximized tells clients to drop shadows and rounded corners; the tiled states tell
        // them no edge is free to resize. Head-unit apps are borderless.
        pending.states.set(xdg_toplevel::State::Maximized);
        pending.states.set(xdg_toplevel::State::Activated);
        for edge in [
            xdg_toplevel::State::TiledLeft,
            xdg_toplevel::State::TiledRight,
            xdg_toplevel::State::TiledTop,
            xdg_toplevel::State::TiledBottom,
        ] {
            pending.states.set(edge);
        }
    });
}

/// The size a toplevel keeps whatever it is told: its minimum and maximum size are the same
/// (a dialog, a fixed-size game, weston-flower). It is configured to that size and shown
/// centred in its slot, never stretched.
pub fn fixed_size(toplevel: &ToplevelSurface) -> Option<Size<i32, Logical>> {
    with_states(toplevel.wl_surface(), |states| {
        let mut cached = states.cached_state.get::<SurfaceCachedState>();
        let current = cached.current();
        (current.min_size == current.max_size && current.min_size.w > 0 && current.min_size.h > 0)
            .then_some(current.min_size)
    })
}

/// Where a picture of `size` goes in `slot`: centred, so that one smaller than its slot (a
/// window's own fixed size, or a client that draws another size than it is told) sits in
/// the middle, and one larger is cut evenly on both sides by the slot's clip.
pub fn centred_in(slot: Rectangle<i32, Logical>, size: Size<i32, Logical>) -> Point<i32, Logical> {
    Point::from((
        slot.loc.x + (slot.size.w - size.w) / 2,
        slot.loc.y + (slot.size.h - size.h) / 2,
    ))
}

#[cfg(test)]
mod tests {
    use smithay::output::{Mode, PhysicalProperties, Subpixel};

    use super::*;

    fn test_output(name: &str, width: i32, height: i32) -> Output {
        let output = Output::new(
            name.to_string(),
            PhysicalProperties {
                size: (0, 0).into(),
                subpixel: Subpixel::Unknown,
                make: "test".into(),
                model: "test".into(),
            },
        );
        let mode = Mode {
            size: (width, height).into(),
            refresh: 60_000,
        };
        output.change_current_state(Some(mode), None, None, None);
        output.set_preferred(mode);
        output
    }

    #[test]
    fn app_area_is_the_whole_output_without_panels() {
        let mut space: Space<Window> = Space::default();
        let output = test_output("A", 1920, 720);
        space.map_output(&output, (0, 0));
        let config = crate::config::parse("", "empty").expect("empty config");
        assert_eq!(
            app_area(&space, &output, &config),
            Some(Rectangle::new((0, 0).into(), (1920, 720).into()))
        );
    }

    #[test]
    fn app_area_follows_the_output_position_and_its_layout() {
        let mut space: Space<Window> = Space::default();
        let first = test_output("A", 800, 480);
        let second = test_output("B", 1280, 720);
        space.map_output(&first, (0, 0));
        space.map_output(&second, (800, 0));
        let config = crate::config::parse(
            "[[outputs]]\nname = \"B\"\n[outputs.layout]\ndock = { edge = \"bottom\", size = 100 }\n",
            "test",
        )
        .expect("config");
        assert_eq!(
            app_area(&space, &second, &config),
            Some(Rectangle::new((800, 0).into(), (1280, 620).into()))
        );
        assert_eq!(primary_output(&space).as_ref(), Some(&first));
    }
}
