//! cowl-phone-sim: a reference phone-projection daemon for Cowl. It serves
//! org.cowl.Projection1 (through cowl-sdk's `ProjectionBackend`, as a bridge to a real
//! Android Auto or CarPlay stack would), shows a simulated phone screen in a Wayland window
//! (app_id `projection`) drawn by a GStreamer pipeline, and is played by a developer or a
//! test through org.cowl.PhoneSim1: `cowl-phone-sim connect NAME`, `call CALLER`, and so on.
//!
//! One calloop loop carries the Wayland connection, the pipeline's frames and the D-Bus
//! futures, so the window, the screen and the bus never wait on each other.

mod backend;
mod control;
mod screen;
mod window;

use anyhow::{Context, Result, anyhow};
use calloop::channel::{self, Event};
use calloop::futures::executor;
use calloop::{EventLoop, LoopSignal};
use calloop_wayland_source::WaylandSource;
use clap::{Parser, Subcommand};
use cowl_sdk::projection::{AudioFocus, PhoneKind, ProjectionServer};
use tracing::{error, info, warn};
use wayland_client::{Connection, QueueHandle};

use backend::{ReceivedLog, SimBackend, Told};
use control::{Control, Played};
use screen::Screen;
use window::Window;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The app_id of the phone's window (Cowl's `[projection] app_id`).
    #[arg(long, default_value = "projection")]
    app_id: String,
    /// Start with a phone of this name connected.
    #[arg(long, value_name = "NAME")]
    connect: Option<String>,
    /// The kind of that phone: android-auto, carplay or other.
    #[arg(long, default_value = "android-auto")]
    kind: String,
}

/// Playing the phone of a running cowl-phone-sim (on the session bus).
#[derive(Subcommand)]
enum Command {
    /// A phone connects.
    Connect {
        name: String,
        #[arg(long, default_value = "android-auto")]
        kind: String,
    },
    /// The phone goes away.
    Disconnect,
    /// A call comes in: the phone asks for the screen and for call audio.
    Call { caller: String },
    /// The call ends.
    Hangup,
    /// The phone asks for the screen.
    Focus {
        #[arg(default_value = "user")]
        reason: String,
    },
    /// The phone asks to play: none, media, guidance or call.
    Audio { focus: String },
    /// The phone asks to guide (projected) or gives guidance back (native).
    Navigation { focus: String },
    /// Prints what Cowl told the phone, one call a line.
    Log,
}

/// What the phone shows.
#[derive(Debug, Default)]
struct PhoneView {
    phone: Option<(String, PhoneKind)>,
    call: Option<String>,
    video_focus: bool,
    audio_focus: Option<AudioFocus>,
    night: bool,
    driving_status: Option<u32>,
}

impl PhoneView {
    fn text(&self) -> String {
        let Some((name, kind)) = &self.phone else {
            return "No phone connected".to_string();
        };
        let mut text = format!("{name}\n{kind}");
        if let Some(caller) = &self.call {
            text.push_str(&format!("\nIncoming call: {caller}"));
        }
        if let Some(focus) = self.audio_focus {
            text.push_str(&format!("\naudio: {focus}"));
        }
        text.push_str(if self.night { "\nnight" } else { "\nday" });
        if let Some(status) = self.driving_status {
            text.push_str(&format!(" · driving status {status}"));
        }
        text
    }
}

/// How often a failing pipeline is started again before a frame gets through.
const MAX_RESTARTS_WITHOUT_FRAME: u32 = 3;

pub struct Sim {
    window: Window,
    handle: QueueHandle<Sim>,
    screen: Screen,
    view: PhoneView,
    /// A frame has been drawn: the window is mapped, and the pipeline may rest.
    drawn: bool,
    /// Pipeline restarts after errors since the last frame drawn (a pipeline that fails
    /// again at once is given up on, not spun).
    restarts_without_frame: u32,
    stop: LoopSignal,
    /// What Cowl told the phone (and touches on its screen).
    log: ReceivedLog,
    /// Runs the signals the loop emits.
    signals: calloop::futures::Scheduler<()>,
    /// The bus connection and the served interface, kept for as long as the loop runs.
    bus: Option<(zbus::Connection, ProjectionServer<SimBackend>)>,
}

impl Sim {
    /// The compositor configured the window: the picture takes its size.
    fn configured(&mut self) {
        let (width, height) = match self.window.configured {
            Some((width, height)) if width > 0 && height > 0 => (width, height),
            _ => (800, 480),
        };
        if let Err(err) = self.screen.resize(width, height) {
            warn!("{err:#}");
        }
        self.draw_latest();
    }

    /// Draws the newest frame if the window can take it now.
    fn draw_latest(&mut self) {
        let Ok(mut slot) = self.screen.latest.lock() else {
            return;
        };
        let Some(frame) = slot.take() else {
            return;
        };
        match self.window.draw(&frame, &self.handle) {
            Ok(true) => {
                drop(slot);
                self.restarts_without_frame = 0;
                if !self.drawn {
                    self.drawn = true;
                    self.stream_if_needed();
                }
            }
            // Not now: keep it, unless a newer one came meanwhile.
            Ok(false) => {
                if slot.is_none() {
                    *slot = Some(frame);
                }
            }
            Err(err) => warn!("could not draw: {err:#}"),
        }
    }

    /// The pipeline stopped on an error: it starts again, unless it keeps failing.
    fn screen_failed(&mut self, error: &str) {
        if self.restarts_without_frame >= MAX_RESTARTS_WITHOUT_FRAME {
            error!("the phone's screen failed again ({error}); giving up on it");
            return;
        }
        self.restarts_without_frame += 1;
        warn!("the phone's screen failed ({error}); starting it again");
        if let Err(err) = self.screen.restart() {
            warn!("{err:#}");
        }
    }

    fn stream_if_needed(&mut self) {
        let wanted = self.view.video_focus || !self.drawn;
        if let Err(err) = self.screen.stream(wanted) {
            warn!("{err:#}");
        }
    }

    fn refresh(&mut self) {
        self.screen
            .show(&self.view.text(), self.view.call.is_some());
        self.stream_if_needed();
    }

    fn told(&mut self, told: Told) {
        match told {
            Told::VideoFocus(focused) => self.view.video_focus = focused,
            Told::NightMode(night) => self.view.night = night,
            Told::DrivingStatus(status) => self.view.driving_status = Some(status),
            Told::AudioFocus(focus) => self.view.audio_focus = Some(focus),
            Told::Recorded => {
                self.announce_received();
                return;
            }
        }
        self.refresh();
    }

    /// A finger on the phone's screen: a phone would act on it; the simulator logs it.
    fn touched(&mut self, x: f64, y: f64) {
        let entry = format!("Touch {x:.0} {y:.0}");
        info!("cowl: {entry}");
        if let Ok(mut log) = self.log.lock() {
            log.push((backend::monotonic_ns(), entry));
        }
        self.announce_received();
    }

    /// Signals that `Received` changed, so that a reader waits for an entry, not a moment.
    fn announce_received(&self) {
        let Some((connection, _)) = &self.bus else {
            return;
        };
        let connection = connection.clone();
        let announce = async move {
            let interface = connection
                .object_server()
                .interface::<_, Control>(control::CONTROL_PATH)
                .await?;
            let control = interface.get().await;
            control.received_changed(interface.signal_emitter()).await
        };
        let announce = async move {
            if let Err(err) = announce.await {
                warn!("could not announce a received call: {err}");
            }
        };
        if let Err(err) = self.signals.schedule(announce) {
            warn!("could not announce a received call: {err}");
        }
    }

    fn played(&mut self, played: Played) {
        match played {
            Played::Phone(phone) => {
                if phone.is_none() {
                    self.view.video_focus = false;
                    self.view.audio_focus = None;
                }
                self.view.phone = phone;
            }
            Played::Call(call) => self.view.call = call,
        }
        self.refresh();
    }
}

fn main() {
    cowl_sdk::logging::init("info");
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(&cli),
        Some(command) => play(command),
    };
    if let Err(err) = result {
        eprintln!("cowl-phone-sim: {err:#}");
        std::process::exit(1);
    }
}

fn serve(cli: &Cli) -> Result<()> {
    let start_connected = match &cli.connect {
        Some(name) => Some((
            name.clone(),
            cli.kind.parse::<PhoneKind>().map_err(|err| anyhow!(err))?,
        )),
        None => None,
    };
    let mut event_loop: EventLoop<Sim> = EventLoop::try_new().context("the event loop")?;
    let handle = event_loop.handle();

    let connection =
        Connection::connect_to_env().context("no Wayland compositor to show the phone on")?;
    let (window, queue) = Window::new(&connection, &cli.app_id)?;
    let queue_handle = queue.handle();
    WaylandSource::new(connection, queue)
        .insert(handle.clone())
        .map_err(|err| anyhow!("watching the Wayland connection: {err}"))?;

    let (frame_ping, frame_source) = calloop::ping::make_ping().context("a ping")?;
    handle
        .insert_source(frame_source, |_, _, sim| sim.draw_latest())
        .map_err(|err| anyhow!("watching the screen: {err}"))?;
    let (failed, failures) = channel::channel::<String>();
    handle
        .insert_source(failures, |event, _, sim: &mut Sim| {
            if let Event::Msg(error) = event {
                sim.screen_failed(&error);
            }
        })
        .map_err(|err| anyhow!("watching the screen's errors: {err}"))?;
    let screen = Screen::new(frame_ping, failed)?;

    let (told, told_events) = channel::channel();
    handle
        .insert_source(told_events, |event, _, sim| {
            if let Event::Msg(told) = event {
                sim.told(told);
            }
        })
        .map_err(|err| anyhow!("watching Cowl's calls: {err}"))?;
    let (played, played_events) = channel::channel();
    handle
        .insert_source(played_events, |event, _, sim| {
            if let Event::Msg(played) = event {
                sim.played(played);
            }
        })
        .map_err(|err| anyhow!("watching the phone: {err}"))?;

    // D-Bus: the projection service and the control interface, on the session bus.
    type Served = zbus::Result<(zbus::Connection, ProjectionServer<SimBackend>)>;
    let (bus_executor, scheduler) = executor::<Served>().context("the D-Bus executor")?;
    handle
        .insert_source(bus_executor, |served, _, sim| match served {
            Ok((connection, server)) => {
                info!(name = ?connection.unique_name(), "serving org.cowl.Projection1");
                sim.bus = Some((connection, server));
            }
            Err(err) => {
                warn!("cannot serve org.cowl.Projection1: {err}");
                sim.stop.stop();
            }
        })
        .map_err(|err| anyhow!("running the D-Bus executor: {err}"))?;
    let log = ReceivedLog::default();
    let sim_log = log.clone();
    let setup = async move {
        let connection = cowl_sdk::bus::connect().await?;
        let backend = SimBackend {
            log: log.clone(),
            told,
        };
        let server = cowl_sdk::projection::serve(&connection, backend).await?;
        let control = Control {
            server: server.clone(),
            log,
            played: played.clone(),
        };
        connection
            .object_server()
            .at(control::CONTROL_PATH, control)
            .await?;
        if let Some((name, kind)) = start_connected {
            server.set_phone(Some((&name, kind))).await?;
            let _ = played.send(Played::Phone(Some((name, kind))));
        }
        Ok((connection, server))
    };
    scheduler
        .schedule(setup)
        .map_err(|err| anyhow!("starting D-Bus: {err}"))?;

    let (signal_executor, signals) = executor::<()>().context("the D-Bus executor")?;
    handle
        .insert_source(signal_executor, |(), _, _| {})
        .map_err(|err| anyhow!("running the D-Bus executor: {err}"))?;
    let mut sim = Sim {
        log: sim_log,
        signals,
        window,
        handle: queue_handle,
        screen,
        view: PhoneView::default(),
        drawn: false,
        restarts_without_frame: 0,
        stop: event_loop.get_signal(),
        bus: None,
    };
    sim.refresh();
    event_loop
        .run(None, &mut sim, |sim| {
            if sim.window.closed {
                sim.stop.stop();
            }
        })
        .context("the event loop")?;
    Ok(())
}

/// Runs one subcommand against a running cowl-phone-sim.
fn play(command: Command) -> Result<()> {
    zbus::block_on(async {
        let connection = cowl_sdk::bus::connect()
            .await
            .context("Cowl's bus (COWL_DBUS_BUS, else the session bus) is not there")?;
        let sim = control::PhoneSim1Proxy::new(&connection).await?;
        let done = match command {
            Command::Connect { name, kind } => sim.connect(&name, &kind).await,
            Command::Disconnect => sim.disconnect().await,
            Command::Call { caller } => sim.incoming_call(&caller).await,
            Command::Hangup => sim.end_call().await,
            Command::Focus { reason } => sim.request_video_focus(&reason).await,
            Command::Audio { focus } => sim.request_audio_focus(&focus).await,
            Command::Navigation { focus } => sim.request_navigation_focus(&focus).await,
            Command::Log => {
                for (at, entry) in sim.received().await? {
                    println!("{}.{:09} {entry}", at / 1_000_000_000, at % 1_000_000_000);
                }
                Ok(())
            }
        };
        done.map_err(|err| {
            let not_running = match &err {
                zbus::Error::MethodError(name, _, _) => {
                    name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
                }
                zbus::Error::FDO(fdo) => matches!(**fdo, zbus::fdo::Error::ServiceUnknown(_)),
                _ => false,
            };
            if not_running {
                anyhow!("cowl-phone-sim is not running on the session bus")
            } else {
                anyhow!(err)
            }
        })
    })
}
