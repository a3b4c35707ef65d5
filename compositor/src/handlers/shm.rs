//! wl_shm through smithay's, with what one client may hold. Every pool a client makes is a
//! mapping of its memory in Cowl, kept while the pool or any buffer of it lives: a client
//! making them without end would use up the kernel's map count (`vm.max_map_count`) or Cowl's
//! address space, and then other clients' pools would fail to map. So one client may hold at
//! most `MAX_SHM_OBJECTS_PER_CLIENT` pools and buffers (`client_limits.rs`); past that it is
//! disconnected with a protocol error, alone. A pool's size is not limited beyond the
//! protocol's 2 GiB: its pages are the client's (a sparse memfd), and toolkits reserve large
//! ones (foot's is 512 MiB); on a 64-bit head unit 4,096 of them fit Cowl's address space.
//!
//! A pool resized to a size that is not positive is refused here: smithay 0.7 posts the error
//! and then goes on to unwrap the size, which for 0 would end Cowl.

use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::protocol::wl_buffer::{self, WlBuffer};
use smithay::reexports::wayland_server::protocol::wl_shm::{self, WlShm};
use smithay::reexports::wayland_server::protocol::wl_shm_pool::{self, WlShmPool};
use smithay::reexports::wayland_server::{
    Client, DataInit, Dispatch, DisplayHandle, Resource, delegate_global_dispatch,
};
use smithay::wayland::shm::{ShmBufferUserData, ShmPoolUserData, ShmState};
use tracing::warn;

use crate::client_limits::Counted;
use crate::state::State;

delegate_global_dispatch!(State: [WlShm: ()] => ShmState);

impl Dispatch<WlShm, ()> for State {
    fn request(
        state: &mut State,
        client: &Client,
        shm: &WlShm,
        request: wl_shm::Request,
        data: &(),
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        if matches!(request, wl_shm::Request::CreatePool { .. })
            && !state.count_client_resource(client, shm, Counted::ShmObject)
        {
            return;
        }
        <ShmState as Dispatch<WlShm, (), State>>::request(
            state, client, shm, request, data, dh, data_init,
        );
    }
}

impl Dispatch<WlShmPool, ShmPoolUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        pool: &WlShmPool,
        request: wl_shm_pool::Request,
        data: &ShmPoolUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        match &request {
            wl_shm_pool::Request::Resize { size } if *size <= 0 => {
                warn!(
                    size,
                    "a client resized a wl_shm pool to nothing: disconnected"
                );
                pool.post_error(
                    wl_shm::Error::InvalidStride,
                    format!("a wl_shm pool resized to {size} bytes"),
                );
                return;
            }
            wl_shm_pool::Request::CreateBuffer { .. }
                if !state.count_client_resource(client, pool, Counted::ShmObject) =>
            {
                return;
            }
            _ => {}
        }
        <ShmState as Dispatch<WlShmPool, ShmPoolUserData, State>>::request(
            state, client, pool, request, data, dh, data_init,
        );
    }

    fn destroyed(state: &mut State, client: ClientId, pool: &WlShmPool, data: &ShmPoolUserData) {
        state.uncount_client_resource(&client, Counted::ShmObject);
        <ShmState as Dispatch<WlShmPool, ShmPoolUserData, State>>::destroyed(
            state, client, pool, data,
        );
    }
}

impl Dispatch<WlBuffer, ShmBufferUserData> for State {
    fn request(
        state: &mut State,
        client: &Client,
        buffer: &WlBuffer,
        request: wl_buffer::Request,
        data: &ShmBufferUserData,
        dh: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        <ShmState as Dispatch<WlBuffer, ShmBufferUserData, State>>::request(
            state, client, buffer, request, data, dh, data_init,
        );
    }

    fn destroyed(state: &mut State, client: ClientId, buffer: &WlBuffer, data: &ShmBufferUserData) {
        state.uncount_client_resource(&client, Counted::ShmObject);
        <ShmState as Dispatch<WlBuffer, ShmBufferUserData, State>>::destroyed(
            state, client, buffer, data,
        );
    }
}
