//! org.cowl.Debug1 at /org/cowl/Debug: input injection for tests and for developers without
//! a touchscreen, in the spirit of Weston's test plugin. Served only when cowl runs with
//! `--debug-input`, never on a car's bus. Injected touches take exactly the path of a
//! touchscreen's: the chrome's gestures, then the client surface under the finger.

use smithay::reexports::calloop::channel::Sender;
use zbus::interface;

use super::request::{BusRequest, Reply, ask_loop};
use super::shell::ShellBusError;
use crate::shell::activation::ShellError;
use crate::state::State;

pub const DEBUG_PATH: &str = "/org/cowl/Debug";

/// A touch event to inject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TouchKind {
    Down,
    Motion,
    Up,
    Cancel,
}

/// Where an injected touch is.
#[derive(Debug, Clone, PartialEq)]
pub enum TouchAt {
    /// Global logical coordinates, as clients and the shell see them.
    Global(f64, f64),
    /// A panel's own coordinates, 0..1 across its pixels as mounted, as its touch controller
    /// reports them: the path of a real touchscreen, through the output's transform and scale.
    Panel { output: String, x: f64, y: f64 },
}

/// A Debug1 call that the event loop answers.
pub enum DebugRequest {
    /// Play the stepped replay's next frames.
    ReplayStep(u32, Reply<Option<u32>>),
    /// A CAN frame as if received on `interface`.
    CanFrame {
        interface: String,
        id: crate::vehicle_signals::decode::FrameId,
        data: Vec<u8>,
        reply: Reply<()>,
    },
    Touch {
        kind: TouchKind,
        slot: u32,
        at: TouchAt,
        reply: Reply<Result<(), ShellError>>,
    },
}

pub struct DebugInterface {
    requests: Sender<BusRequest>,
}

impl DebugInterface {
    pub fn new(requests: Sender<BusRequest>) -> Self {
        DebugInterface { requests }
    }
}

#[interface(name = "org.cowl.Debug1")]
impl DebugInterface {
    /// Injects one touch event, followed by a frame: kind is down, motion, up or cancel;
    /// slot numbers the finger; x and y are global logical coordinates.
    async fn touch(&self, kind: String, slot: u32, x: f64, y: f64) -> Result<(), ShellBusError> {
        self.inject(&kind, slot, TouchAt::Global(x, y)).await
    }

    /// Injects one CAN frame (`ID#DATA` as cansend writes it) as if `interface` had received
    /// it: the path of a SocketCAN frame from decoding on, for benchmarks and development
    /// without a CAN bus.
    async fn can_frame(&self, interface: String, frame: String) -> Result<(), ShellBusError> {
        let parsed = crate::vehicle_signals::candump::parse_frame(&frame)
            .map_err(|err| ShellBusError::InvalidArgs(format!("{frame}: {err}")))?;
        let (id, data) = (parsed.id, parsed.data().to_vec());
        self.ask(|reply| DebugRequest::CanFrame {
            interface,
            id,
            data,
            reply,
        })
        .await
    }

    /// With `--replay-stepped`: plays the replay's next `count` frames at once and returns
    /// how many there were (fewer at the end of the log).
    async fn replay_step(&self, count: u32) -> Result<u32, ShellBusError> {
        self.ask(|reply| DebugRequest::ReplayStep(count, reply))
            .await?
            .ok_or_else(|| ShellBusError::InvalidArgs("cowl runs no --replay-stepped".into()))
    }

    /// Injects one touch event at x, y in 0..1 across the named output's panel in its own
    /// orientation, as its touch controller reports them; then a frame.
    async fn panel_touch(
        &self,
        output: String,
        kind: String,
        slot: u32,
        x: f64,
        y: f64,
    ) -> Result<(), ShellBusError> {
        self.inject(&kind, slot, TouchAt::Panel { output, x, y })
            .await
    }
}

impl DebugInterface {
    async fn ask<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> DebugRequest,
    ) -> Result<T, ShellBusError> {
        ask_loop(&self.requests, request, ShellBusError::Failed).await
    }

    async fn inject(&self, kind: &str, slot: u32, at: TouchAt) -> Result<(), ShellBusError> {
        let kind = match kind {
            "down" => TouchKind::Down,
            "motion" => TouchKind::Motion,
            "up" => TouchKind::Up,
            "cancel" => TouchKind::Cancel,
            other => {
                return Err(ShellBusError::InvalidArgs(format!(
                    "touch kind {other:?} is not down, motion, up or cancel"
                )));
            }
        };
        let (x, y) = match &at {
            TouchAt::Global(x, y) | TouchAt::Panel { x, y, .. } => (*x, *y),
        };
        if !(x.is_finite() && y.is_finite()) {
            return Err(ShellBusError::InvalidArgs("x and y must be finite".into()));
        }
        self.ask(|reply| DebugRequest::Touch {
            kind,
            slot,
            at,
            reply,
        })
        .await?
        .map_err(ShellBusError::from)
    }
}

impl State {
    pub fn handle_debug_request(&mut self, request: DebugRequest) {
        // A caller that gave up (timeout) has dropped its receiver; the send result is moot.
        match request {
            DebugRequest::ReplayStep(count, reply) => {
                let _ = reply.send(self.car_replay_step(count));
            }
            DebugRequest::CanFrame {
                interface,
                id,
                data,
                reply,
            } => {
                self.car_frame(&interface, id, &data);
                let _ = reply.send(());
            }
            DebugRequest::Touch {
                kind,
                slot,
                at,
                reply,
            } => {
                let position = match at {
                    TouchAt::Global(x, y) => (x, y).into(),
                    TouchAt::Panel { output, x, y } => {
                        match self.panel_fraction_to_global(&output, x, y) {
                            Some(position) => position,
                            None => {
                                let _ = reply.send(Err(ShellError::UnknownOutput(output)));
                                return;
                            }
                        }
                    }
                };
                let slot = Some(slot).into();
                let time = self.clock.now().as_millis();
                match kind {
                    TouchKind::Down => self.touch_down(slot, position, time),
                    TouchKind::Motion => self.touch_motion(slot, position, time),
                    TouchKind::Up => self.touch_up(slot, time),
                    TouchKind::Cancel => self.touch_cancel(),
                }
                self.touch_frame();
                let _ = reply.send(Ok(()));
            }
        }
    }
}
