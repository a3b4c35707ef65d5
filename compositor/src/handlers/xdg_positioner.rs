//! Menus anchored to a point: an xdg_positioner anchor rectangle of zero width or height.
//!
//! xdg-shell allows it (only a negative size is an error), and toolkits use it for a menu
//! opened at a finger or a pointer. smithay 0.7 refuses it with a protocol error, which
//! ends the app. Cowl lets smithay keep the rectangle as one pixel wide or high, remembers
//! which positioner asked for zero, and gives a menu made (or moved) with that positioner
//! its zero-size rectangle back before placing it (`positioner_as_sent`), so a menu
//! anchored to a point's right or bottom edge is not one pixel off.

use std::collections::HashMap;

use smithay::reexports::wayland_protocols::xdg::shell::server::{
    xdg_popup::{self, XdgPopup},
    xdg_positioner::{self, XdgPositioner},
    xdg_surface::{self, XdgSurface},
};
use smithay::reexports::wayland_server::backend::{ClientId, ObjectId};
use smithay::reexports::wayland_server::{Client, DataInit, Dispatch, DisplayHandle, Resource};
use smithay::wayland::shell::xdg::{
    PositionerState, XdgPositionerUserData, XdgShellState, XdgShellSurfaceUserData,
    XdgSurfaceUserData,
};

use crate::state::State;

/// Which axes of an anchor rectangle a client set to zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ZeroAxes {
    width: bool,
    height: bool,
}

/// The positioners whose anchor rectangle is zero wide or high, and the one being used by
/// the get_popup or reposition now being handled.
///
/// Keyed by ObjectId, whose hash and equality are the object's id and addresses, never its
/// alive flag (the interior mutability clippy sees).
#[derive(Default)]
pub struct ZeroSizeAnchors {
    by_positioner: HashMap<ObjectId, ZeroAxes>,
    in_use: Option<ZeroAxes>,
}

impl State {
    /// The positioner state as the client sent it: smithay's, with the anchor rectangle's
    /// zero width or height given back (for the menu being made or moved now).
    pub fn positioner_as_sent(&mut self, mut positioner: PositionerState) -> PositionerState {
        if let Some(zero) = self.zero_size_anchors.in_use.take() {
            if zero.width {
                positioner.anchor_rect.size.w = 0;
            }
            if zero.height {
                positioner.anchor_rect.size.h = 0;
            }
        }
        positioner
    }

    /// Makes the zero axes of `positioner` (the one a get_popup or reposition names) known
    /// to `positioner_as_sent` while that request is handled.
    fn use_positioner(&mut self, positioner: Option<&XdgPositioner>) {
        self.zero_size_anchors.in_use = positioner.and_then(|positioner| {
            self.zero_size_anchors
                .by_positioner
                .get(&positioner.id())
                .copied()
        });
    }
}

impl Dispatch<XdgPositioner, XdgPositionerUserData> for State {
    #[allow(clippy::mutable_key_type)] // see ZeroSizeAnchors
    fn request(
        state: &mut State,
        client: &Client,
        positioner: &XdgPositioner,
        request: xdg_positioner::Request,
        data: &XdgPositionerUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        let request = match request {
            xdg_positioner::Request::SetAnchorRect {
                x,
                y,
                width,
                height,
            } if width >= 0 && height >= 0 => {
                let zero = ZeroAxes {
                    width: width == 0,
                    height: height == 0,
                };
                let anchors = &mut state.zero_size_anchors.by_positioner;
                if zero == ZeroAxes::default() {
                    anchors.remove(&positioner.id());
                } else {
                    anchors.insert(positioner.id(), zero);
                }
                xdg_positioner::Request::SetAnchorRect {
                    x,
                    y,
                    width: width.max(1),
                    height: height.max(1),
                }
            }
            request => request,
        };
        <XdgShellState as Dispatch<XdgPositioner, XdgPositionerUserData, State>>::request(
            state, client, positioner, request, data, dh, data_init,
        );
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        positioner: &XdgPositioner,
        data: &XdgPositionerUserData,
    ) {
        state
            .zero_size_anchors
            .by_positioner
            .remove(&positioner.id());
        <XdgShellState as Dispatch<XdgPositioner, XdgPositionerUserData, State>>::destroyed(
            state, client, positioner, data,
        );
    }
}

impl Dispatch<XdgSurface, XdgSurfaceUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        xdg_surface: &XdgSurface,
        request: xdg_surface::Request,
        data: &XdgSurfaceUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        if let xdg_surface::Request::GetPopup { positioner, .. } = &request {
            state.use_positioner(Some(positioner));
        }
        <XdgShellState as Dispatch<XdgSurface, XdgSurfaceUserData, State>>::request(
            state,
            client,
            xdg_surface,
            request,
            data,
            dh,
            data_init,
        );
        state.use_positioner(None);
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        xdg_surface: &XdgSurface,
        data: &XdgSurfaceUserData,
    ) {
        <XdgShellState as Dispatch<XdgSurface, XdgSurfaceUserData, State>>::destroyed(
            state,
            client,
            xdg_surface,
            data,
        );
    }
}

impl Dispatch<XdgPopup, XdgShellSurfaceUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        popup: &XdgPopup,
        request: xdg_popup::Request,
        data: &XdgShellSurfaceUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        if let xdg_popup::Request::Reposition { positioner, .. } = &request {
            state.use_positioner(Some(positioner));
        }
        <XdgShellState as Dispatch<XdgPopup, XdgShellSurfaceUserData, State>>::request(
            state, client, popup, request, data, dh, data_init,
        );
        state.use_positioner(None);
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        popup: &XdgPopup,
        data: &XdgShellSurfaceUserData,
    ) {
        <XdgShellState as Dispatch<XdgPopup, XdgShellSurfaceUserData, State>>::destroyed(
            state, client, popup, data,
        );
    }
}
