//! Cowl under a conformance harness: the Wayland Conformance Test Suite (WLCS) loads a
//! small library (`compositor/wlcs/`) that starts [`serve`] on a thread of its own and sends
//! it [`Command`]s: a new client's socket, where to put a window, pointer and touch input.
//! Each is answered once it has been carried out, after the requests its test's clients
//! sent before it, so that a test's steps happen in its order.
//! The server is the compositor's own state and event loop on the headless backend
//! (Pixman, one virtual output), with the built-in demo car parked and windows placed
//! freely (`shell/free_placement.rs`); input goes through the same `State` methods the
//! devices use (`input/`). Test clients are trusted: they see every global a trusted client
//! sees (the layer shell among them).

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result};
use smithay::backend::input::{ButtonState, TouchSlot};
use smithay::reexports::calloop::EventLoop;
use smithay::reexports::calloop::channel::Event;
use smithay::reexports::wayland_server::{Client, Display, Resource};
use smithay::utils::{Logical, Point};
use tracing::warn;

pub use smithay::reexports::calloop::channel::{Channel, Sender, channel};

use crate::car::at_startup::{CarRequest, load};
use crate::cli::Cli;
use crate::state::{ClientState, State};

/// The one output's size: large enough for every position the suite's tests use.
const OUTPUT: &str = "1920x1080";

/// What the harness asks of the server.
#[derive(Debug)]
pub enum Command {
    /// Serve a client on `stream`; `key` names it in later commands (the harness uses the
    /// client end's file descriptor number).
    NewClient {
        stream: UnixStream,
        key: i32,
    },
    /// Put the toplevel of client `key` whose wl_surface has protocol id `surface_id` at
    /// `position` (global logical, the window geometry's corner).
    PlaceWindow {
        key: i32,
        surface_id: u32,
        position: (i32, i32),
    },
    /// The pointer moved to an absolute position (global logical).
    PointerMotion {
        position: (f64, f64),
    },
    /// The pointer moved by a delta.
    PointerMotionRelative {
        delta: (f64, f64),
    },
    /// A pointer button (a Linux input event code) changed.
    PointerButton {
        button: u32,
        pressed: bool,
    },
    /// A finger of touch device `device` touched, moved, lifted.
    TouchDown {
        device: u32,
        position: (f64, f64),
    },
    TouchMotion {
        device: u32,
        position: (f64, f64),
    },
    TouchUp {
        device: u32,
    },
    /// Stop serving and return.
    Stop,
}

/// A command, and where to say that it has been carried out.
#[derive(Debug)]
pub struct Request {
    pub command: Command,
    pub done: std::sync::mpsc::Sender<()>,
}

/// Runs the server until [`Command::Stop`] or until every sender is gone.
pub fn serve(requests: Channel<Request>) -> Result<()> {
    let cli = Cli::headless_simulated(OUTPUT);
    // No panels, no apps: the whole output is the clients'.
    let config = crate::config::parse("", "<conformance>")?;
    let mut event_loop: EventLoop<'static, State> =
        EventLoop::try_new().context("could not create the event loop")?;
    let display: Display<State> = Display::new().context("could not create the Wayland display")?;
    let mut state = State::without_sockets(
        &mut event_loop,
        display,
        &cli,
        config,
        "wayland-conformance".into(),
    )?;
    crate::backend::headless::init(&mut state, &cli)?;
    let car = load(
        &CarRequest::from_cli(&cli),
        &state.config.vehicle,
        Path::new("."),
    );
    state.car_loaded(car);
    state.keyboard_set_up();
    state.shell.free_placement = true;
    // No pointer has moved yet: it rests off the output, not over the corner where new
    // windows appear (a test expects the pointer to enter only where it moves it).
    state.pointer_motion((-1.0, -1.0).into(), 0);

    let clients: Rc<RefCell<HashMap<i32, Client>>> = Rc::default();
    let loop_handle = event_loop.handle();
    event_loop
        .handle()
        .insert_source(requests, move |event, _, state| match event {
            // After the clients' requests that are ready in this round: the harness sends
            // a command after its client's last requests, and a command must not overtake
            // them (a pointer moved before the commit that put a surface there). The
            // harness waits for the answer before its next step.
            Event::Msg(Request { command, done }) => {
                let clients = clients.clone();
                loop_handle.insert_idle(move |state| {
                    state.conformance_command(command, &mut clients.borrow_mut());
                    state.after_dispatch();
                    let _ = done.send(());
                });
            }
            Event::Closed => state.loop_signal.stop(),
        })
        .map_err(|err| anyhow::anyhow!("could not watch the harness's commands: {err}"))?;
    event_loop
        .run(None, &mut state, |state| state.after_dispatch())
        .context("the event loop failed")?;
    Ok(())
}

/// A touch device's one finger.
fn finger(device: u32) -> TouchSlot {
    TouchSlot::from(Some(device))
}

impl State {
    fn conformance_command(&mut self, command: Command, clients: &mut HashMap<i32, Client>) {
        let time = std::time::Duration::from(self.clock.now()).as_millis() as u32;
        match command {
            Command::NewClient { stream, key } => {
                let trusted = ClientState {
                    privileged: true,
                    ..ClientState::default()
                };
                if let Some(client) = self.insert_client(stream, trusted) {
                    clients.insert(key, client);
                }
            }
            Command::PlaceWindow {
                key,
                surface_id,
                position,
            } => {
                let client = clients.get(&key);
                let window = self
                    .shell
                    .windows
                    .iter()
                    .find(|window| {
                        window.toplevel().is_some_and(|toplevel| {
                            let surface = toplevel.wl_surface();
                            surface.id().protocol_id() == surface_id
                                && surface.client().as_ref() == client
                        })
                    })
                    .cloned();
                match window {
                    Some(window) => self.shell_place_freely(&window, position.into()),
                    None => warn!(key, surface_id, "no window to place"),
                }
            }
            Command::PointerMotion { position } => {
                self.pointer_motion(position.into(), time);
            }
            Command::PointerMotionRelative { delta } => {
                let Some(pointer) = self.seat.get_pointer() else {
                    return;
                };
                let delta: Point<f64, Logical> = delta.into();
                self.pointer_motion(pointer.current_location() + delta, time);
            }
            Command::PointerButton { button, pressed } => {
                let state = if pressed {
                    ButtonState::Pressed
                } else {
                    ButtonState::Released
                };
                self.pointer_button(button, state, time);
            }
            Command::TouchDown { device, position } => {
                self.touch_down(finger(device), position.into(), time);
                self.touch_frame();
            }
            Command::TouchMotion { device, position } => {
                self.touch_motion(finger(device), position.into(), time);
                self.touch_frame();
            }
            Command::TouchUp { device } => {
                self.touch_up(finger(device), time);
                self.touch_frame();
            }
            Command::Stop => self.loop_signal.stop(),
        }
    }
}
