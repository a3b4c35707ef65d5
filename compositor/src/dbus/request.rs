//! How a D-Bus method reaches the event loop: the interface objects hold no compositor
//! state, so each call becomes a request of its interface's own type, sent over one calloop
//! channel as a [`BusRequest`], and answered on a one-shot channel. The loop routes each
//! interface's requests to the module that owns them (`shell.rs`, `vehicle.rs`,
//! `debug.rs`); a peer leaving the bus is an event of the bus itself.

use futures_channel::oneshot;
use smithay::reexports::calloop::channel::Sender;
use tracing::info;

use super::debug::DebugRequest;
use super::shell::ShellRequest;
use super::vehicle::VehicleRequest;
use crate::state::State;

pub(crate) type Reply<T> = oneshot::Sender<T>;

/// Anything the bus asks of the loop.
pub enum BusRequest {
    Shell(ShellRequest),
    Vehicle(VehicleRequest),
    Debug(DebugRequest),
    /// A peer (its unique name) left the bus: what it held goes with it.
    PeerGone(String),
}

/// Sends a request to the loop and waits for its answer; `failed` words the two ways that
/// can fail (the loop is gone, or dropped the request) in the caller's error type. Every
/// D-Bus method of ours that needs compositor state goes through here.
pub(crate) async fn ask_loop<T, R, E>(
    requests: &Sender<BusRequest>,
    request: impl FnOnce(Reply<T>) -> R,
    failed: impl Fn(String) -> E,
) -> Result<T, E>
where
    R: Into<BusRequest>,
{
    let (reply, answer) = oneshot::channel();
    requests
        .send(request(reply).into())
        .map_err(|_| failed("the compositor is shutting down".into()))?;
    answer
        .await
        .map_err(|_| failed("the compositor dropped the request".into()))
}

impl From<ShellRequest> for BusRequest {
    fn from(request: ShellRequest) -> BusRequest {
        BusRequest::Shell(request)
    }
}

impl From<VehicleRequest> for BusRequest {
    fn from(request: VehicleRequest) -> BusRequest {
        BusRequest::Vehicle(request)
    }
}

impl From<DebugRequest> for BusRequest {
    fn from(request: DebugRequest) -> BusRequest {
        BusRequest::Debug(request)
    }
}

impl State {
    /// Routes a request to the module that owns its interface.
    pub fn handle_bus_request(&mut self, request: BusRequest) {
        match request {
            BusRequest::Shell(request) => self.handle_shell_request(request),
            BusRequest::Vehicle(request) => self.handle_vehicle_request(request),
            BusRequest::Debug(request) => self.handle_debug_request(request),
            BusRequest::PeerGone(holder) => {
                if self.audio_focus.forget(&holder) {
                    info!(
                        holder,
                        now = self.audio_focus.strongest().as_str(),
                        "audio focus given back by leaving the bus"
                    );
                }
            }
        }
    }
}
