//! Where each layer-shell surface sits on its output, and what the layers leave to the apps.
//!
//! smithay's `LayerMap` keeps which layer surfaces an output has; Cowl places them itself,
//! because smithay 0.7.0's `LayerMap::arrange` differs from wlr-layer-shell in two ways that
//! a panel supplier would meet (both found by WLCS, `compositor/wlcs/`):
//! - it takes surfaces in the order they were mapped, so a surface mapped before a panel
//!   with an exclusive zone is placed as if the panel were not there (fixed upstream after
//!   0.7.0, Smithay/smithay#1819);
//! - a surface anchored to two opposite edges is stretched between them even when it asked
//!   for a size; the protocol gives it its size, centred between the edges.
//!
//! Order, as wlroots' compositors do it: first every surface with an exclusive zone, topmost
//! layer first, each taking its strip off the area left by the ones before; then every
//! other surface within that area (or within the whole output, for an exclusive zone of -1).
//! An exclusive zone counts only where the protocol gives it an edge to keep: a surface
//! anchored to one edge, or to one edge and both edges beside it (a corner panel reserves
//! nothing).
//!
//! smithay still runs its own arrangement when a surface is mapped or unmapped; [`arrange`]
//! runs right after it and sends the configure that counts, in the same dispatch.

use std::sync::Mutex;

use smithay::desktop::{LayerMap, LayerSurface, PopupManager, layer_map_for_output};
use smithay::output::Output;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::utils::{Logical, Point, Rectangle, Size};
use smithay::wayland::compositor::{TraversalAction, with_states, with_surface_tree_downward};
use smithay::wayland::shell::wlr_layer::{
    Anchor, ExclusiveZone, Layer, LayerSurfaceCachedState, LayerSurfaceData,
};

/// Where Cowl placed a layer surface, relative to its output (kept in the surface's data).
#[derive(Default)]
struct Placed(Mutex<Option<Point<i32, Logical>>>);

/// What the layers of an output leave to the apps (kept in the output's data).
#[derive(Default)]
struct AppZone(Mutex<Option<Rectangle<i32, Logical>>>);

/// The layers from the top of the screen down.
const LAYERS_TOP_DOWN: [Layer; 4] = [Layer::Overlay, Layer::Top, Layer::Bottom, Layer::Background];

/// Places every layer surface of `output`, configures those whose size changed (once they
/// have had their first configure) and tells each one it is on the output. Returns whether
/// the area left to the apps changed.
pub fn arrange(output: &Output) -> bool {
    let output_rect = Rectangle::from_size(output_logical_size(output));
    let layers = layer_map_for_output(output);
    let (places, zone) = plan(&layers, output_rect);
    drop(layers);

    for (layer, geometry) in places {
        enter_output(output, &layer);
        let size_changed = layer.layer_surface().with_pending_state(|pending| {
            pending.size.replace(geometry.size) != Some(geometry.size)
        });
        if size_changed && initial_configure_sent(&layer) {
            layer.layer_surface().send_pending_configure();
        }
        set_place(&layer, geometry.loc);
    }

    let stored = output.user_data();
    stored.insert_if_missing_threadsafe(AppZone::default);
    let Some(app_zone) = stored.get::<AppZone>() else {
        return false;
    };
    lock(&app_zone.0).replace(zone) != Some(zone)
}

/// The part of `output` (relative to it) that no exclusive zone reserves.
pub fn app_zone(output: &Output) -> Rectangle<i32, Logical> {
    output
        .user_data()
        .get::<AppZone>()
        .and_then(|zone| *lock(&zone.0))
        .unwrap_or_else(|| Rectangle::from_size(output_logical_size(output)))
}

/// Where a mapped layer surface is and how large its picture is, relative to its output;
/// `None` until it has been placed.
pub fn layer_geometry(layer: &LayerSurface) -> Option<Rectangle<i32, Logical>> {
    let location = place_of(layer)?;
    let mut bbox = layer.bbox();
    bbox.loc += location;
    Some(bbox)
}

/// The topmost surface of `layer` whose picture or menus cover `point` (relative to the
/// output).
pub fn layer_under(
    layers: &LayerMap,
    layer: Layer,
    point: Point<f64, Logical>,
) -> Option<&LayerSurface> {
    layers.layers_on(layer).rev().find(|surface| {
        let Some(location) = place_of(surface) else {
            return false;
        };
        let mut bbox = surface.bbox_with_popups();
        bbox.loc += location;
        bbox.to_f64().contains(point)
    })
}

/// Each layer surface with its place and size on the output.
type Places = Vec<(LayerSurface, Rectangle<i32, Logical>)>;

/// Each surface's place and size, and the area left to the apps.
fn plan(
    layers: &LayerMap,
    output_rect: Rectangle<i32, Logical>,
) -> (Places, Rectangle<i32, Logical>) {
    let mut zone = output_rect;
    let mut places = Vec::new();
    for reserving_pass in [true, false] {
        for layer in LAYERS_TOP_DOWN {
            for surface in layers.layers_on(layer) {
                let asked = surface.cached_state();
                let reserved = reserved_edge(&asked);
                if reserved.is_some() != reserving_pass {
                    continue;
                }
                let bounds = match asked.exclusive_zone {
                    ExclusiveZone::DontCare => output_rect,
                    ExclusiveZone::Neutral | ExclusiveZone::Exclusive(_) => zone,
                };
                places.push((surface.clone(), place(&asked, bounds)));
                if let Some((edge, amount)) = reserved {
                    zone = shrink(zone, edge, amount, &asked);
                }
            }
        }
    }
    (places, zone)
}

/// The edge a surface keeps clear of apps and panels, and by how much: only for a positive
/// exclusive zone on a surface anchored to one edge, or to one edge and both beside it.
fn reserved_edge(asked: &LayerSurfaceCachedState) -> Option<(Anchor, i32)> {
    let ExclusiveZone::Exclusive(amount) = asked.exclusive_zone else {
        return None;
    };
    let anchor = asked.anchor;
    let horizontal = Anchor::LEFT | Anchor::RIGHT;
    let vertical = Anchor::TOP | Anchor::BOTTOM;
    let edge = [Anchor::TOP, Anchor::BOTTOM, Anchor::LEFT, Anchor::RIGHT]
        .into_iter()
        .find(|&edge| {
            let beside = if vertical.contains(edge) {
                horizontal
            } else {
                vertical
            };
            anchor == edge || anchor == edge | beside
        })?;
    Some((edge, i32::try_from(amount).unwrap_or(i32::MAX)))
}

/// `zone` less the strip a surface reserves along `edge` (its exclusive zone plus its margin
/// on that edge).
fn shrink(
    mut zone: Rectangle<i32, Logical>,
    edge: Anchor,
    amount: i32,
    asked: &LayerSurfaceCachedState,
) -> Rectangle<i32, Logical> {
    let margin = asked.margin;
    if edge == Anchor::TOP {
        let strip = amount.saturating_add(margin.top).min(zone.size.h);
        zone.loc.y += strip;
        zone.size.h -= strip;
    } else if edge == Anchor::BOTTOM {
        zone.size.h -= amount.saturating_add(margin.bottom).min(zone.size.h);
    } else if edge == Anchor::LEFT {
        let strip = amount.saturating_add(margin.left).min(zone.size.w);
        zone.loc.x += strip;
        zone.size.w -= strip;
    } else {
        zone.size.w -= amount.saturating_add(margin.right).min(zone.size.w);
    }
    zone
}

/// Where a surface goes within `bounds`: its size (or the span between the edges it is
/// anchored to, where it leaves a dimension to us), against the edges it is anchored to
/// less their margins, centred on an axis where it is anchored to neither or both edges.
fn place(
    asked: &LayerSurfaceCachedState,
    bounds: Rectangle<i32, Logical>,
) -> Rectangle<i32, Logical> {
    let (x, width) = place_on_axis(
        bounds.loc.x,
        bounds.size.w,
        asked.size.w,
        (asked.anchor.contains(Anchor::LEFT), asked.margin.left),
        (asked.anchor.contains(Anchor::RIGHT), asked.margin.right),
    );
    let (y, height) = place_on_axis(
        bounds.loc.y,
        bounds.size.h,
        asked.size.h,
        (asked.anchor.contains(Anchor::TOP), asked.margin.top),
        (asked.anchor.contains(Anchor::BOTTOM), asked.margin.bottom),
    );
    Rectangle::new((x, y).into(), Size::from((width, height)))
}

/// One axis of [`place`]: the start and length of a surface asking for `asked` (0: ours to
/// choose) in a span, with each end's anchoring and margin.
fn place_on_axis(
    start: i32,
    span: i32,
    asked: i32,
    (at_start, start_margin): (bool, i32),
    (at_end, end_margin): (bool, i32),
) -> (i32, i32) {
    let inner_start = if at_start {
        start + start_margin
    } else {
        start
    };
    let inner_span =
        (span - if at_start { start_margin } else { 0 } - if at_end { end_margin } else { 0 })
            .max(0);
    let length = match asked {
        0 if at_start && at_end => inner_span,
        // The protocol makes a zero size without both anchors an error; smithay lets it
        // through, so such a surface gets half the span rather than nothing.
        0 => inner_span / 2,
        asked => asked.min(inner_span),
    };
    let position = if at_start == at_end {
        inner_start + inner_span / 2 - length / 2
    } else if at_start {
        inner_start
    } else {
        inner_start + inner_span - length
    };
    (position, length)
}

/// The output's size in logical pixels, as layer surfaces see it.
fn output_logical_size(output: &Output) -> Size<i32, Logical> {
    output
        .current_mode()
        .map(|mode| {
            let logical = mode
                .size
                .to_f64()
                .to_logical(output.current_scale().fractional_scale())
                .to_i32_round();
            output.current_transform().transform_size(logical)
        })
        .unwrap_or_default()
}

/// Sends wl_surface.enter for the surface, its subsurfaces and its menus (once each).
fn enter_output(output: &Output, layer: &LayerSurface) {
    let enter_tree = |root: &WlSurface| {
        with_surface_tree_downward(
            root,
            (),
            |_, _, _| TraversalAction::DoChildren(()),
            |surface, _, _| output.enter(surface),
            |_, _, _| true,
        );
    };
    enter_tree(layer.wl_surface());
    for (popup, _) in PopupManager::popups_for_surface(layer.wl_surface()) {
        enter_tree(popup.wl_surface());
    }
}

fn initial_configure_sent(layer: &LayerSurface) -> bool {
    with_states(layer.wl_surface(), |states| {
        states
            .data_map
            .get::<LayerSurfaceData>()
            .is_some_and(|data| lock(data).initial_configure_sent)
    })
}

/// Where Cowl placed the surface, `None` before its first arrangement.
fn place_of(layer: &LayerSurface) -> Option<Point<i32, Logical>> {
    layer
        .user_data()
        .get::<Placed>()
        .and_then(|placed| *lock(&placed.0))
}

fn set_place(layer: &LayerSurface, location: Point<i32, Logical>) {
    let data = layer.user_data();
    data.insert_if_missing_threadsafe(Placed::default);
    if let Some(placed) = data.get::<Placed>() {
        *lock(&placed.0) = Some(location);
    }
}

/// A poisoned lock still holds a usable value: a panic elsewhere must not stop placement.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_surface_anchored_to_both_edges_keeps_its_size_centred() {
        assert_eq!(
            place_on_axis(0, 1000, 200, (true, 0), (true, 0)),
            (400, 200)
        );
        assert_eq!(
            place_on_axis(0, 1000, 200, (true, 100), (true, 0)),
            (450, 200)
        );
    }

    #[test]
    fn an_unsized_surface_anchored_to_both_edges_spans_them_within_its_margins() {
        assert_eq!(
            place_on_axis(10, 1000, 0, (true, 20), (true, 30)),
            (30, 950)
        );
    }

    #[test]
    fn a_surface_anchored_to_one_edge_sits_against_it_past_its_margin() {
        assert_eq!(place_on_axis(0, 1000, 100, (true, 5), (false, 0)), (5, 100));
        assert_eq!(
            place_on_axis(0, 1000, 100, (false, 0), (true, 5)),
            (895, 100)
        );
        assert_eq!(
            place_on_axis(0, 1000, 100, (false, 0), (false, 0)),
            (450, 100)
        );
    }

    #[test]
    fn only_an_edge_or_an_edge_and_both_beside_it_reserve_space() {
        let with = |anchor| LayerSurfaceCachedState {
            anchor,
            exclusive_zone: ExclusiveZone::Exclusive(40),
            ..Default::default()
        };
        let top_bar = Anchor::TOP | Anchor::LEFT | Anchor::RIGHT;
        assert_eq!(reserved_edge(&with(top_bar)), Some((Anchor::TOP, 40)));
        assert_eq!(
            reserved_edge(&with(Anchor::RIGHT)),
            Some((Anchor::RIGHT, 40))
        );
        assert_eq!(reserved_edge(&with(Anchor::TOP | Anchor::LEFT)), None);
        assert_eq!(reserved_edge(&with(Anchor::TOP | Anchor::BOTTOM)), None);
        assert_eq!(reserved_edge(&with(Anchor::all())), None);
    }
}
