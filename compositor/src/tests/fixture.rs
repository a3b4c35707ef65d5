//! The in-process fixture: a real [`State`] on the headless backend (Pixman, virtual
//! outputs), its calloop loop, and Wayland clients on socket pairs, all on the test's
//! thread and driven step by step. No socket file, D-Bus, supervisor, camera or process is
//! involved; the car is the built-in demo car in simulator mode, changed as `Vehicle1.Set`
//! changes it. What a test asserts is what Cowl decided: where each window is, what each
//! client was told, what the chrome shows (`State::chrome_frame`).

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use smithay::desktop::Window;
use smithay::output::Output;
use smithay::reexports::calloop::EventLoop;
use smithay::reexports::wayland_server::Display;
use smithay::utils::{Logical, Point, Rectangle};

use super::client::Client;
use crate::car::at_startup::{CarRequest, load};
use crate::chrome::layout::Target;
use crate::chrome::panels::{Content, CoverReason};
use crate::cli::Cli;
use crate::identity::Vouched;
use crate::state::{ClientState, State};

/// How many turns a round trip may take before the test fails (each turn dispatches the
/// server and every client once; a round trip needs two or three).
const MAX_TURNS: usize = 100;

pub struct Fixture {
    event_loop: EventLoop<'static, State>,
    pub state: State,
    clients: Vec<Client>,
}

/// A client of the fixture, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientId(usize);

impl Fixture {
    /// Cowl with `config` (TOML) on one headless output of `output` ("640x480"), the
    /// simulator's car parked.
    pub fn new(config: &str, output: &str) -> Fixture {
        let cli = Cli::headless_simulated(output);
        let config = crate::config::parse(config, "fixture.toml").expect("a valid configuration");
        let mut event_loop = EventLoop::try_new().expect("an event loop");
        let display = Display::new().expect("a Wayland display");
        let mut state = State::without_sockets(
            &mut event_loop,
            display,
            &cli,
            config,
            "wayland-fixture".into(),
        )
        .expect("the state");
        crate::backend::headless::init(&mut state, &cli).expect("the headless backend");
        let car = load(
            &CarRequest::from_cli(&cli),
            &state.config.vehicle,
            Path::new("."),
        );
        state.car_loaded(car);
        let mut fixture = Fixture {
            event_loop,
            state,
            clients: Vec::new(),
        };
        fixture.dispatch();
        fixture
    }

    /// One turn: the loop handles what is ready (without waiting), the state sends what it
    /// queued, and each client reads and handles what it was sent.
    pub fn dispatch(&mut self) {
        self.event_loop
            .dispatch(Some(Duration::ZERO), &mut self.state)
            .expect("the event loop dispatches");
        self.state.after_dispatch();
        for client in &mut self.clients {
            client.dispatch();
        }
    }

    /// Turns, each waiting for the loop's next event (a timer's included), until `done`
    /// holds; false if `timeout` passed first.
    pub fn dispatch_until(&mut self, timeout: Duration, done: impl Fn(&Fixture) -> bool) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while !done(self) {
            let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                return false;
            };
            self.event_loop
                .dispatch(Some(left), &mut self.state)
                .expect("the event loop dispatches");
            self.state.after_dispatch();
            for client in &mut self.clients {
                client.dispatch();
            }
        }
        true
    }

    /// Turns until `id` has had an answer to everything it sent.
    pub fn roundtrip(&mut self, id: ClientId) {
        self.client(id).sync();
        let wanted = self.client(id).syncs_sent;
        for _ in 0..MAX_TURNS {
            self.dispatch();
            if self.client(id).observed.syncs_done >= wanted {
                return;
            }
        }
        panic!("client {id:?} had no answer within {MAX_TURNS} turns");
    }

    /// Connects a client whose process Cowl vouches for as `vouched` (`identity.rs`):
    /// `Vouched::AnyApp` is a `--spawn` client, `Vouched::Nobody` a stranger.
    pub fn add_client(&mut self, vouched: Vouched) -> ClientId {
        self.add_client_as(ClientState {
            vouched,
            ..ClientState::default()
        })
    }

    /// Connects a client with what Cowl knows of it (trusted: `privileged`).
    pub fn add_client_as(&mut self, client_state: ClientState) -> ClientId {
        let (server_end, client_end) = UnixStream::pair().expect("a socket pair");
        self.state
            .insert_client(server_end, client_state)
            .expect("the client is served");
        self.clients.push(Client::new(client_end));
        let id = ClientId(self.clients.len() - 1);
        self.roundtrip(id);
        id
    }

    /// The protocol error that ended client `id`'s connection, as (interface, code).
    pub fn protocol_error(&self, id: ClientId) -> Option<(String, u32)> {
        self.clients[id.0].protocol_error()
    }

    pub fn client(&mut self, id: ClientId) -> &mut Client {
        &mut self.clients[id.0]
    }

    /// A vouched-for client whose toplevel with `app_id` has drawn in `colour` at the size
    /// it was configured to: an app that has shown its window.
    pub fn show_app(&mut self, app_id: &str, colour: u32) -> ClientId {
        let id = self.add_client(Vouched::AnyApp);
        self.client(id).create_toplevel(Some(app_id));
        self.roundtrip(id);
        self.redraw(id, colour);
        id
    }

    /// The client takes the newest configure and draws at its size.
    pub fn redraw(&mut self, id: ClientId, colour: u32) {
        self.roundtrip(id);
        self.client(id).draw(colour, None);
        self.roundtrip(id);
    }

    /// The size the client was last configured to.
    pub fn configured_size(&mut self, id: ClientId) -> (i32, i32) {
        *self
            .client(id)
            .observed
            .configures
            .last()
            .expect("a configure")
    }

    /// The output every test has.
    pub fn output(&self) -> Output {
        crate::shell::primary_output(&self.state.space).expect("the headless output")
    }

    /// The windows shown (mapped in the space), by effective app_id, with where they are.
    pub fn shown(&self) -> Vec<(String, Rectangle<i32, Logical>)> {
        self.state
            .space
            .elements()
            .filter_map(|window| {
                let geometry = self.state.space.element_geometry(window)?;
                Some((crate::shell::activation::window_app_id(window), geometry))
            })
            .collect()
    }

    /// The shown window of `app_id`, if any.
    pub fn window_of(&self, app_id: &str) -> Option<Window> {
        self.state
            .space
            .elements()
            .find(|window| crate::shell::activation::window_app_id(window) == app_id)
            .cloned()
    }

    /// The shown apps' rectangles, sorted by app_id.
    pub fn layout(&self) -> Vec<(String, (i32, i32, i32, i32))> {
        let mut layout: Vec<_> = self
            .shown()
            .into_iter()
            .map(|(id, rect)| (id, (rect.loc.x, rect.loc.y, rect.size.w, rect.size.h)))
            .collect();
        layout.sort();
        layout
    }

    /// The simulator sets a vehicle property, as `cowlctl vehicle set` does.
    pub fn set_vehicle(&mut self, name: &str, value: &str) {
        self.state
            .car_simulate(name, value)
            .expect("the simulator takes the value");
        self.dispatch();
    }

    /// The car moves at 50 km/h in D.
    pub fn drive(&mut self) {
        self.set_vehicle(cowl_sdk::vehicle::names::CURRENT_GEAR, "D");
        self.set_vehicle(cowl_sdk::vehicle::names::SPEED, "50");
    }

    /// The car stands in P.
    pub fn park(&mut self) {
        self.set_vehicle(cowl_sdk::vehicle::names::SPEED, "0");
        self.set_vehicle(cowl_sdk::vehicle::names::CURRENT_GEAR, "P");
    }

    /// A finger taps at `position` (global logical) on the touchscreen, as libinput or
    /// Debug1's injection delivers it.
    pub fn tap(&mut self, position: (f64, f64)) {
        let position: Point<f64, Logical> = position.into();
        let slot = smithay::backend::input::TouchSlot::from(Some(0));
        self.state.touch_down(slot, position, 0);
        self.state.touch_frame();
        self.state.touch_up(slot, 1);
        self.state.touch_frame();
        self.dispatch();
    }
}

/// What the chrome shows, read off `State::chrome_frame` for the fixture's output (at
/// 0,0: output-local is global).
impl Fixture {
    /// The dock's buttons as (target, output-local rectangle, greyed).
    pub fn dock(&self) -> Vec<(Target, Rectangle<i32, Logical>, bool)> {
        self.state
            .chrome_frame(&self.output())
            .panels
            .iter()
            .filter_map(|panel| match &panel.content {
                Content::Dock(dock) => Some(dock),
                _ => None,
            })
            .flat_map(|dock| &dock.entries)
            .map(|entry| {
                (
                    entry.button.target.clone(),
                    entry.button.rect,
                    entry.restricted,
                )
            })
            .collect()
    }

    /// Taps the centre of the dock button of `app_id`.
    pub fn tap_dock(&mut self, app_id: &str) {
        let target = Target::App(app_id.to_string());
        let (_, rect, _) = self
            .dock()
            .into_iter()
            .find(|(button, _, _)| *button == target)
            .unwrap_or_else(|| panic!("no dock button for {app_id}"));
        self.tap(centre(rect));
    }

    /// The covers over apps: (app name shown, why, output-local rectangle).
    pub fn covers(&self) -> Vec<(String, CoverReason, Rectangle<i32, Logical>)> {
        self.state
            .chrome_frame(&self.output())
            .above
            .iter()
            .filter_map(|panel| match &panel.content {
                Content::Cover(cover) => Some((cover.app_name.clone(), cover.reason, panel.rect)),
                _ => None,
            })
            .collect()
    }
}

/// The middle of a rectangle, where a finger taps it.
/// A row of [`Fixture::layout`]: `app` shown at `rect` (x, y, width, height).
pub fn at(app: &str, rect: (i32, i32, i32, i32)) -> (String, (i32, i32, i32, i32)) {
    (app.to_string(), rect)
}

pub fn centre(rect: Rectangle<i32, Logical>) -> (f64, f64) {
    (
        rect.loc.x as f64 + rect.size.w as f64 / 2.0,
        rect.loc.y as f64 + rect.size.h as f64 / 2.0,
    )
}

impl Fixture {
    /// The home view's tiles as (target, global rectangle): none unless home is shown.
    pub fn home_tiles(&self) -> Vec<(Target, Rectangle<i32, Logical>)> {
        self.state
            .chrome_frame(&self.output())
            .below
            .iter()
            .filter_map(|panel| match &panel.content {
                Content::Home(home) => Some((panel.rect.loc, home)),
                _ => None,
            })
            .flat_map(|(_, home)| &home.entries)
            .map(|entry| (entry.button.target.clone(), entry.button.rect))
            .collect()
    }
}
