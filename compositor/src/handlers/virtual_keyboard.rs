//! zwp_virtual_keyboard_v1: on-screen keyboards type through it. smithay does the work; this
//! file only cleans up the keymap a client uploads before smithay compiles it. wvkbd (0.12,
//! in Debian 12) reports a size larger than its keymap text and pads it with NUL bytes,
//! which the xkbcommon binding smithay 0.7 uses rejects as a syntax error, after which
//! every key is a protocol error. The keymap is cut at its first NUL and handed on in a
//! fresh memory file of the exact size; a keymap that cannot be read is dropped with a
//! warning (the client's keys are then refused, as the protocol says). While the car's
//! restrictions say NO_KEYBOARD, keys are dropped.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;

use smithay::reexports::wayland_protocols_misc::zwp_virtual_keyboard_v1::server::zwp_virtual_keyboard_manager_v1::ZwpVirtualKeyboardManagerV1;
use smithay::reexports::wayland_protocols_misc::zwp_virtual_keyboard_v1::server::zwp_virtual_keyboard_v1::{
    self, ZwpVirtualKeyboardV1,
};
use smithay::reexports::wayland_server::backend::ClientId;
use smithay::reexports::wayland_server::{
    Client, DataInit, Dispatch, DisplayHandle, delegate_dispatch, delegate_global_dispatch,
};
use smithay::wayland::virtual_keyboard::{
    VirtualKeyboardManagerGlobalData, VirtualKeyboardManagerState, VirtualKeyboardUserData,
};
use tracing::warn;

use crate::state::State;

/// Keymaps are text of some tens of kilobytes; anything near this is not one.
const MAX_KEYMAP: usize = 4 << 20;

delegate_global_dispatch!(State: [ZwpVirtualKeyboardManagerV1: VirtualKeyboardManagerGlobalData] => VirtualKeyboardManagerState);
delegate_dispatch!(State: [ZwpVirtualKeyboardManagerV1: ()] => VirtualKeyboardManagerState);

impl Dispatch<ZwpVirtualKeyboardV1, VirtualKeyboardUserData<State>> for State {
    fn request(
        state: &mut State,
        client: &Client,
        resource: &ZwpVirtualKeyboardV1,
        request: zwp_virtual_keyboard_v1::Request,
        data: &VirtualKeyboardUserData<State>,
        display: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        let request = match request {
            zwp_virtual_keyboard_v1::Request::Keymap { format, fd, size } => {
                match exact_keymap(fd, size as usize) {
                    Ok((fd, size)) => zwp_virtual_keyboard_v1::Request::Keymap { format, fd, size },
                    Err(err) => {
                        warn!("a virtual keyboard's keymap could not be read: {err}");
                        return;
                    }
                }
            }
            // NO_KEYBOARD (driving): on-screen keyboards type nothing.
            zwp_virtual_keyboard_v1::Request::Key { .. } if state.keyboard_restricted() => return,
            other => other,
        };
        <VirtualKeyboardManagerState as Dispatch<
            ZwpVirtualKeyboardV1,
            VirtualKeyboardUserData<State>,
            State,
        >>::request(state, client, resource, request, data, display, data_init);
    }

    fn destroyed(
        state: &mut State,
        client: ClientId,
        resource: &ZwpVirtualKeyboardV1,
        data: &VirtualKeyboardUserData<State>,
    ) {
        <VirtualKeyboardManagerState as Dispatch<
            ZwpVirtualKeyboardV1,
            VirtualKeyboardUserData<State>,
            State,
        >>::destroyed(state, client, resource, data);
    }
}

/// The keymap text up to its first NUL, NUL-terminated, in a new memory file.
fn exact_keymap(fd: OwnedFd, size: usize) -> std::io::Result<(OwnedFd, u32)> {
    if size == 0 || size > MAX_KEYMAP {
        return Err(std::io::Error::other(format!("a keymap of {size} bytes")));
    }
    let file = std::fs::File::from(fd);
    let mut bytes = vec![0; size];
    let mut read = 0;
    while read < size {
        match file.read_at(&mut bytes[read..], read as u64)? {
            0 => break,
            n => read += n,
        }
    }
    bytes.truncate(read);
    let text_end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    bytes.truncate(text_end);
    bytes.push(0);
    let memfd = rustix::fs::memfd_create("cowl-keymap", rustix::fs::MemfdFlags::CLOEXEC)?;
    let mut out = std::fs::File::from(memfd);
    out.write_all(&bytes)?;
    let size = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    Ok((out.into(), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_after_the_keymap_is_cut() {
        let memfd =
            rustix::fs::memfd_create("test", rustix::fs::MemfdFlags::CLOEXEC).expect("memfd");
        let mut file = std::fs::File::from(memfd);
        file.write_all(b"xkb_keymap { };\0\0\0\0garbage")
            .expect("write");
        let (fd, size) = exact_keymap(file.into(), 27).expect("readable");
        assert_eq!(size, 16);
        let mut text = vec![0; 16];
        std::fs::File::from(fd).read_at(&mut text, 0).expect("read");
        assert_eq!(&text, b"xkb_keymap { };\0");
    }
}
