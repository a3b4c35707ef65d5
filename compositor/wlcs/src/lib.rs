//! The WLCS integration: the library the suite's runner loads
//! (`wlcs target/debug/libcowl_wlcs.so`). WLCS calls it through C vtables (the `wlcs`
//! crate's traits); each call becomes a [`Command`] to Cowl's own event loop, which
//! `cowl::conformance::serve` runs on a thread of its own for each test, and waits until
//! Cowl has carried it out (as WLCS expects of an integration: its next step may look at the
//! result). Nothing of the compositor is here: what the suite checks is the code the car
//! runs.
//!
//! WLCS hands touch positions over as plain integers although its header says wl_fixed_t
//! (seen with Debian's wlcs 1.5.0), and pointer positions as wl_fixed_t.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use cowl::conformance::{Command, Request, Sender};
use wayland_sys::client::{wayland_client_handle, wl_display, wl_proxy};
use wayland_sys::common::{wl_fixed_t, wl_fixed_to_double};
use wayland_sys::ffi_dispatch;
use wlcs::ffi_display_server_api::{
    WlcsExtensionDescriptor, WlcsIntegrationDescriptor, WlcsServerIntegration,
};
use wlcs::ffi_wrappers::wlcs_server;
use wlcs::{Wlcs, extension_list, wlcs_server_integration};

wlcs_server_integration!(CowlServer);

/// The protocols (and versions) Cowl offers a trusted client, as wayland-info lists them:
/// WLCS skips the tests of anything not listed.
static EXTENSIONS: &[WlcsExtensionDescriptor] = extension_list!(
    ("wl_compositor", 5),
    ("wl_subcompositor", 1),
    ("wl_data_device_manager", 3),
    ("wl_seat", 9),
    ("wl_output", 4),
    ("wl_shm", 2),
    ("xdg_wm_base", 6),
    ("zwlr_layer_shell_v1", 4),
    ("zxdg_output_manager_v1", 3),
    ("wp_viewporter", 1),
    ("wp_presentation", 2),
    ("zwp_text_input_manager_v3", 1),
    ("zwp_input_method_manager_v2", 1),
    ("zwp_virtual_keyboard_manager_v1", 1),
    ("xdg_activation_v1", 1),
    ("zxdg_decoration_manager_v1", 1),
);

static DESCRIPTOR: WlcsIntegrationDescriptor = WlcsIntegrationDescriptor {
    version: 1,
    num_extensions: EXTENSIONS.len(),
    supported_extensions: EXTENSIONS.as_ptr(),
};

/// Touch devices are fingers of their own: each gets a slot.
static NEXT_DEVICE: AtomicU32 = AtomicU32::new(0);

/// One WLCS test's server: the thread running Cowl's loop, and the way to talk to it.
struct CowlServer {
    running: Option<(Sender<Request>, JoinHandle<()>)>,
}

/// How long a command may take before the harness goes on without its answer (a test then
/// fails on what it sees; it does not hang).
const COMMAND_DEADLINE: Duration = Duration::from_secs(10);

/// Sends `command` to Cowl and waits until it has been carried out. A server that stopped
/// has nothing to tell: the test fails on its own.
fn carry_out(sender: &Sender<Request>, command: Command) {
    let (done, answered) = std::sync::mpsc::channel();
    if sender.send(Request { command, done }).is_ok() {
        let _ = answered.recv_timeout(COMMAND_DEADLINE);
    }
}

impl CowlServer {
    fn send(&self, command: Command) {
        if let Some((sender, _)) = &self.running {
            carry_out(sender, command);
        }
    }

    fn sender(&self) -> Option<Sender<Request>> {
        self.running.as_ref().map(|(sender, _)| sender.clone())
    }
}

impl Wlcs for CowlServer {
    type Pointer = CowlPointer;
    type Touch = CowlTouch;

    fn new() -> Self {
        CowlServer { running: None }
    }

    fn start(&mut self) {
        let (sender, commands) = cowl::conformance::channel();
        let thread = std::thread::spawn(move || {
            if let Err(err) = cowl::conformance::serve(commands) {
                eprintln!("cowl stopped: {err:#}");
            }
        });
        self.running = Some((sender, thread));
    }

    fn stop(&mut self) {
        if let Some((sender, thread)) = self.running.take() {
            carry_out(&sender, Command::Stop);
            let _ = thread.join();
        }
    }

    fn create_client_socket(&self) -> std::io::Result<OwnedFd> {
        let (client_end, server_end) = UnixStream::pair()?;
        let Some(sender) = self.sender() else {
            return Err(std::io::Error::from(std::io::ErrorKind::NotConnected));
        };
        carry_out(
            &sender,
            Command::NewClient {
                stream: server_end,
                key: client_end.as_raw_fd(),
            },
        );
        Ok(client_end.into())
    }

    fn position_window_absolute(
        &self,
        display: *mut wl_display,
        surface: *mut wl_proxy,
        x: i32,
        y: i32,
    ) {
        // SAFETY: WLCS passes its live client display and one of its surface proxies.
        let key = unsafe { ffi_dispatch!(wayland_client_handle(), wl_display_get_fd, display) };
        let surface_id =
            unsafe { ffi_dispatch!(wayland_client_handle(), wl_proxy_get_id, surface) };
        self.send(Command::PlaceWindow {
            key,
            surface_id,
            position: (x, y),
        });
    }

    fn create_pointer(&mut self) -> Option<CowlPointer> {
        Some(CowlPointer {
            sender: self.sender()?,
        })
    }

    fn create_touch(&mut self) -> Option<CowlTouch> {
        Some(CowlTouch {
            sender: self.sender()?,
            device: NEXT_DEVICE.fetch_add(1, Ordering::Relaxed),
        })
    }

    fn get_descriptor(&self) -> &WlcsIntegrationDescriptor {
        &DESCRIPTOR
    }
}

struct CowlPointer {
    sender: Sender<Request>,
}

impl wlcs::Pointer for CowlPointer {
    fn move_absolute(&mut self, x: wl_fixed_t, y: wl_fixed_t) {
        let position = (wl_fixed_to_double(x), wl_fixed_to_double(y));
        carry_out(&self.sender, Command::PointerMotion { position });
    }

    fn move_relative(&mut self, dx: wl_fixed_t, dy: wl_fixed_t) {
        let delta = (wl_fixed_to_double(dx), wl_fixed_to_double(dy));
        carry_out(&self.sender, Command::PointerMotionRelative { delta });
    }

    fn button_up(&mut self, button: i32) {
        carry_out(
            &self.sender,
            Command::PointerButton {
                button: button as u32,
                pressed: false,
            },
        );
    }

    fn button_down(&mut self, button: i32) {
        carry_out(
            &self.sender,
            Command::PointerButton {
                button: button as u32,
                pressed: true,
            },
        );
    }
}

struct CowlTouch {
    sender: Sender<Request>,
    device: u32,
}

impl wlcs::Touch for CowlTouch {
    // Plain integers, not wl_fixed_t (module comment).
    fn touch_down(&mut self, x: wl_fixed_t, y: wl_fixed_t) {
        carry_out(
            &self.sender,
            Command::TouchDown {
                device: self.device,
                position: (f64::from(x), f64::from(y)),
            },
        );
    }

    fn touch_move(&mut self, x: wl_fixed_t, y: wl_fixed_t) {
        carry_out(
            &self.sender,
            Command::TouchMotion {
                device: self.device,
                position: (f64::from(x), f64::from(y)),
            },
        );
    }

    fn touch_up(&mut self) {
        carry_out(
            &self.sender,
            Command::TouchUp {
                device: self.device,
            },
        );
    }
}
