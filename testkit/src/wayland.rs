//! Dispatch handlers that test clients share, whatever their state type: each client
//! delegates to them with `wayland_client::delegate_dispatch!`, e.g.
//! `delegate_dispatch!(MyState: [xdg_wm_base::XdgWmBase: ()] => cowl_testkit::wayland::Pong);`

use wayland_client::globals::GlobalListContents;
use wayland_client::protocol::wl_registry;
use wayland_client::{Connection, Dispatch, QueueHandle};
use wayland_protocols::xdg::shell::client::{xdg_surface, xdg_wm_base};

/// The registry of `registry_queue_init`: its `GlobalList` keeps the globals, so the events
/// need no handling of their own.
pub struct Globals;

impl<S> Dispatch<wl_registry::WlRegistry, GlobalListContents, S> for Globals
where
    S: Dispatch<wl_registry::WlRegistry, GlobalListContents>,
{
    fn event(
        _: &mut S,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<S>,
    ) {
    }
}

/// Answers xdg_wm_base's pings: a client that is busy is not hung.
pub struct Pong;

impl<S> Dispatch<xdg_wm_base::XdgWmBase, (), S> for Pong
where
    S: Dispatch<xdg_wm_base::XdgWmBase, ()>,
{
    fn event(
        _: &mut S,
        wm_base: &xdg_wm_base::XdgWmBase,
        event: xdg_wm_base::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<S>,
    ) {
        if let xdg_wm_base::Event::Ping { serial } = event {
            wm_base.pong(serial);
        }
    }
}

/// Acknowledges every configure at once (a client that draws whatever it is told).
pub struct AckConfigure;

impl<S> Dispatch<xdg_surface::XdgSurface, (), S> for AckConfigure
where
    S: Dispatch<xdg_surface::XdgSurface, ()>,
{
    fn event(
        _: &mut S,
        xdg_surface: &xdg_surface::XdgSurface,
        event: xdg_surface::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<S>,
    ) {
        if let xdg_surface::Event::Configure { serial } = event {
            xdg_surface.ack_configure(serial);
        }
    }
}
