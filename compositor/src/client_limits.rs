//! What one Wayland client may hold: surfaces, windows, and wl_shm pools and buffers. Every
//! window the shell keeps costs it work (placement, the watchdog's pings, the space's
//! refresh), and every pool is a mapping in Cowl (`handlers/shm.rs`), so a client that makes
//! thousands could slow every other client's frames and round trips or leave them no room;
//! one that makes more than a head-unit app ever needs is disconnected with a protocol
//! error, alone.
//!
//! The counts live in the client's `ClientState` and fall as surfaces and windows go.

use std::sync::atomic::{AtomicUsize, Ordering};

use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::protocol::wl_surface::WlSurface;
use smithay::reexports::wayland_server::{Client, Resource};
use tracing::warn;

use crate::state::{ClientState, State};

/// Surfaces one client may have at a time (windows, subsurfaces, popups, cursors): far
/// above what any toolkit makes, far below what slows the loop.
pub const MAX_SURFACES_PER_CLIENT: usize = 1024;
/// Toplevel windows one client may have at a time. A head-unit app shows one.
pub const MAX_WINDOWS_PER_CLIENT: usize = 64;
/// wl_shm pools and buffers one client may have at a time (each pool a mapping in Cowl,
/// kept while it or a buffer of it lives): toolkits hold a few per window.
pub const MAX_SHM_OBJECTS_PER_CLIENT: usize = 4096;

/// A client's counts.
#[derive(Debug, Default)]
pub struct ClientCounts {
    surfaces: AtomicUsize,
    windows: AtomicUsize,
    shm_objects: AtomicUsize,
}

/// Which count.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Surface,
    Window,
    /// A wl_shm pool or buffer.
    ShmObject,
}

impl Counted {
    fn limit(self) -> usize {
        match self {
            Counted::Surface => MAX_SURFACES_PER_CLIENT,
            Counted::Window => MAX_WINDOWS_PER_CLIENT,
            Counted::ShmObject => MAX_SHM_OBJECTS_PER_CLIENT,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Counted::Surface => "surfaces",
            Counted::Window => "windows",
            Counted::ShmObject => "wl_shm pools and buffers",
        }
    }

    fn of(self, counts: &ClientCounts) -> &AtomicUsize {
        match self {
            Counted::Surface => &counts.surfaces,
            Counted::Window => &counts.windows,
            Counted::ShmObject => &counts.shm_objects,
        }
    }
}

fn client_state(client: &Client) -> Option<&ClientState> {
    client.get_data::<ClientState>()
}

impl State {
    /// `surface`'s client made one more of `what`: a client past its limit is disconnected
    /// (a protocol error on that surface). Says whether the client may keep it.
    pub fn count_client_object(&mut self, surface: &WlSurface, what: Counted) -> bool {
        let Some(client) = surface.client() else {
            return false;
        };
        self.count_client_resource(&client, surface, what)
    }

    /// `client` asked `resource` for one more of `what`: past its limit it is disconnected,
    /// with a protocol error on `resource` (no protocol has a code for "too many": the
    /// message says it). Says whether the client may have it.
    pub fn count_client_resource(
        &mut self,
        client: &Client,
        resource: &impl Resource,
        what: Counted,
    ) -> bool {
        let Some(counts) = client_state(client).map(|state| &state.counts) else {
            return true;
        };
        let count = what.of(counts).fetch_add(1, Ordering::Relaxed) + 1;
        if count <= what.limit() {
            return true;
        }
        warn!(
            count,
            limit = what.limit(),
            "a client made too many {}: disconnected",
            what.name()
        );
        resource.post_error(
            0u32,
            format!("more than {} {} for one client", what.limit(), what.name()),
        );
        false
    }

    /// One of `what` of the client `client` went away.
    pub fn uncount_client_resource(&mut self, client: &ClientId, what: Counted) {
        let data = self
            .display_handle
            .backend_handle()
            .get_client_data(client.clone());
        if let Ok(data) = data
            && let Some(state) = data.downcast_ref::<ClientState>()
        {
            let count = what.of(&state.counts);
            let _ = count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| {
                Some(count.saturating_sub(1))
            });
        }
    }

    /// One of `what` of `surface`'s client went away.
    pub fn uncount_client_object(&mut self, surface: &WlSurface, what: Counted) {
        if let Some(client) = surface.client()
            && let Some(state) = client_state(&client)
        {
            let count = what.of(&state.counts);
            let _ = count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| {
                Some(count.saturating_sub(1))
            });
        }
    }
}
