//! Running Cowl from a parsed command line: the configuration, the event loop, the Wayland
//! display and state, the backend, D-Bus, the camera and the first-frame timers, in the order
//! start-up needs them (startup.rs says when each milestone is reached). `main.rs` only parses
//! the command line and calls [`run`].

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use smithay::reexports::calloop::EventLoop;
use smithay::reexports::wayland_server::Display;
use tracing::info;

use crate::car::at_startup::CarRequest;
use crate::cli::{BackendChoice, Cli};
use crate::state::State;
use crate::{backend, camera, car, cli, config, service_watchdog, socket, startup};

pub fn run(mut cli: Cli) -> Result<()> {
    let began = std::time::Instant::now();
    let before_main = startup::time_before_main();
    if let Some(path) = &cli.check_config {
        // The configuration, and the DBC files and mappings it names.
        let (config, _) = config::load(Some(path))?;
        let base = path.parent().unwrap_or(Path::new("."));
        car::at_startup::load(&CarRequest::from_cli(&cli), &config.vehicle, base)?;
        println!("{}: ok", path.display());
        return Ok(());
    }
    // Before anything else: a bad configuration stops us before a socket or window exists.
    let (config, config_source) = config::load(cli.config.as_deref())?;
    info!(source = %config_source, "configuration loaded");
    // Before any thread exists: it may set XDG_RUNTIME_DIR. Kept until Cowl stops.
    let _private_runtime_dir = if cli.demo {
        crate::runtime_dir::provide_for_demo()?
    } else {
        None
    };
    socket::raise_file_limit();

    let mut event_loop: EventLoop<'static, State> =
        EventLoop::try_new().context("could not create the event loop")?;
    let display: Display<State> = Display::new().context("could not create the Wayland display")?;

    let backend_choice = cli.backend.resolve();
    info!(backend = ?backend_choice, "starting cowl");
    cli.apply_demo(backend_choice);

    let base = match &config_source {
        config::ConfigSource::File(path) => path.parent().map(Path::to_path_buf),
        config::ConfigSource::BuiltIn => None,
    }
    .unwrap_or_else(|| PathBuf::from("."));
    // The DBCs are parsed on a thread while the displays come up; the loop takes the car
    // when it is ready (car/at_startup.rs). Until then the state holds a car without data.
    car::at_startup::start(
        &event_loop.handle(),
        CarRequest::from_cli(&cli),
        config.vehicle.clone(),
        base,
    )?;

    let mut startup = startup::Startup::new(began);
    startup.set_time_before_main(before_main);
    startup.reached("config");
    let mut state = State::new(&mut event_loop, display, &cli, config)?;
    state.startup = startup;
    // The Wayland socket and the globals (the keyboard comes after the first frame).
    state.startup.reached("wayland");

    match backend_choice {
        BackendChoice::Headless => backend::headless::init(&mut state, &cli)?,
        BackendChoice::Nested => backend::nested::init(&mut event_loop, &mut state, &cli)?,
        BackendChoice::Drm => backend::drm::init(&mut state, &cli)?,
        BackendChoice::Auto => unreachable!("resolve() never returns Auto"),
    }

    state.startup.reached("backend");
    stop_on_termination_signals(&event_loop)?;
    service_watchdog::start(&event_loop.handle());

    // The socket is bound and the outputs exist: clients may connect now. Ready is announced
    // once Shell1 is served too (or D-Bus failed), the car is loaded and the first frame is
    // on every output (startup.rs), so that units ordered after cowl find all three and a
    // black screen.
    state.dbus_start(|state| state.startup_dbus_settled());
    if let Some(pipeline) = state.config.camera.pipeline.clone() {
        camera::start(&mut state, &pipeline);
    }
    // Clients, the apps and the keyboard come once the first frame is out (startup.rs).
    let mut clients = cli.spawn.clone();
    // The demo's phone is not waited for by the screenshot: it is offered in the dock, not
    // shown.
    if cli.demo
        && let Some(phone) = cli::demo_phone_command()
    {
        clients.push(phone);
    }
    state.startup.spawn_after_first_frame(clients);
    state.startup_start_first_frame_timer();
    state.curtain_start_timer();
    state.chrome_start_clock();

    event_loop
        .run(None, &mut state, |state| state.after_dispatch())
        .context("the event loop failed")?;
    // A car that cannot be loaded stops the loop (car/at_startup.rs).
    if let Some(err) = state.fatal_error.take() {
        return Err(err);
    }
    info!("cowl stopped");
    Ok(())
}

/// SIGTERM (systemd stopping us) and SIGINT (Ctrl-C when nested) end the loop normally, so
/// that the socket and its lock file are removed on the way out. SIGCHLD tells the app
/// supervisor that an app exited, and the camera that its helper did.
fn stop_on_termination_signals(event_loop: &EventLoop<'static, State>) -> Result<()> {
    use calloop::signals::{Signal, Signals};
    let signals = Signals::new(&[Signal::SIGTERM, Signal::SIGINT, Signal::SIGCHLD])
        .context("could not watch signals")?;
    event_loop
        .handle()
        .insert_source(signals, |event, _, state| {
            if event.signal() == Signal::SIGCHLD {
                state.reap_apps();
                state.camera.reap();
                return;
            }
            info!(signal = ?event.signal(), "stopping");
            state.loop_signal.stop();
        })
        .map_err(|err| anyhow::anyhow!("could not watch termination signals: {err}"))?;
    Ok(())
}
