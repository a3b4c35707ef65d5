//! `cowlctl`: controls a running Cowl over its org.cowl.Shell1 D-Bus API, for developers,
//! scripts and tests: list apps, activate one, go home, split two, take a screenshot. Its
//! `can` commands work offline, on DBC files and candump logs (`can.rs`).
//!
//! It is a thin client: every rule (which apps exist, which can be split) lives in the
//! compositor, whose error messages are printed as they come. When Cowl is not on the bus,
//! it says so instead of printing a D-Bus error name.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use cowl_sdk::shell::{Debug1Proxy, SHELL_NAME, Shell1Proxy};

mod can;
mod vehicle;

/// How long a call may take before Cowl is reported as not answering.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Parser)]
#[command(
    version,
    about = "Control the Cowl head-unit shell over D-Bus (org.cowl.Shell1)"
)]
struct Cli {
    /// The bus Cowl serves on: "session", "system", or a D-Bus address.
    #[arg(long, env = cowl_sdk::bus::COWL_BUS_ENV, default_value = "session", global = true)]
    bus: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Shows the car as Cowl knows it (org.cowl.Vehicle1): source, driving state, UX
    /// restrictions and every known property; with --watch, again at every change.
    Vehicle {
        #[command(subcommand)]
        command: Option<VehicleCommand>,
        /// Keep printing, at every PropertiesChanged, until interrupted.
        #[arg(long)]
        watch: bool,
    },
    /// CAN tools that need no running Cowl.
    Can {
        #[command(subcommand)]
        command: CanCommand,
    },
    /// Lists the apps with their states; the active one is marked with `*`.
    Apps,
    /// Prints the app shown on the primary output (nothing on the home view).
    Active,
    /// Shows an app, starting it if needed.
    Activate { app_id: String },
    /// Shows the home view.
    Home,
    /// Shows two apps side by side: PRIMARY on the left, SECONDARY on the right.
    Split { primary: String, secondary: String },
    /// Saves a PNG of the primary output, composed inside Cowl.
    Screenshot { file: PathBuf },
    /// Injects a touch event at global logical X,Y (Cowl must run with --debug-input).
    Touch {
        #[arg(value_parser = ["down", "motion", "up", "cancel"])]
        kind: String,
        x: f64,
        y: f64,
        /// The finger.
        #[arg(long, default_value_t = 0)]
        slot: u32,
        /// X and Y are 0..1 across this output's panel as mounted, like its touchscreen's.
        #[arg(long, value_name = "OUTPUT")]
        panel: Option<String>,
    },
    /// Taps at global logical X,Y: a touch down and up (Cowl must run with --debug-input).
    Tap {
        x: f64,
        y: f64,
        /// X and Y are 0..1 across this output's panel as mounted, like its touchscreen's.
        #[arg(long, value_name = "OUTPUT")]
        panel: Option<String>,
    },
}

#[derive(Subcommand)]
enum VehicleCommand {
    /// Sets a property (only when cowl runs with --vehicle sim), for example
    /// `cowlctl vehicle set Vehicle.Powertrain.Transmission.CurrentGear R`.
    Set {
        name: String,
        /// The value as text: R, 42.5, -3, true.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Subcommand)]
enum CanCommand {
    /// Decodes a candump log (`candump -l`) or one frame with a DBC file: one line per frame,
    /// or one JSON object per frame with --json.
    Decode {
        /// The DBC file.
        #[arg(long)]
        dbc: PathBuf,
        /// A candump log.
        #[arg(long, conflicts_with = "frame", required_unless_present = "frame")]
        log: Option<PathBuf>,
        /// One frame as cansend writes it: ID#DATA, ID##FDATA.
        #[arg(long)]
        frame: Option<String>,
        /// {"t":..,"iface":..,"id":..,"extended":..,"name":..,"signals":{..}} per frame.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    // A reader that goes away (`cowlctl vehicle --watch | head`) ends cowlctl quietly, as it
    // does any command-line tool: Rust ignores SIGPIPE, and println! would panic instead.
    // SAFETY: called first in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Can {
            command:
                CanCommand::Decode {
                    dbc,
                    log,
                    frame,
                    json,
                },
        } => can::decode(dbc, log.as_deref(), frame.as_deref(), *json),
        _ => zbus::block_on(run(cli)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cowlctl: error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let builder = cowl_sdk::bus::CowlBus::parse(&cli.bus)
        .builder()
        .map_err(|err| format!("bad D-Bus address {:?}: {err}", cli.bus))?;
    let connection = builder
        .method_timeout(CALL_TIMEOUT)
        .build()
        .await
        .map_err(|err| format!("cannot connect to the {} bus: {err}", cli.bus))?;
    let bus = zbus::fdo::DBusProxy::new(&connection)
        .await
        .map_err(|err| describe(&err))?;
    let name = zbus::names::BusName::try_from(SHELL_NAME).map_err(|err| err.to_string())?;
    if !bus
        .name_has_owner(name)
        .await
        .map_err(|err| describe(&err.into()))?
    {
        return Err(format!(
            "Cowl is not running on the {} bus (nobody owns {SHELL_NAME})",
            cli.bus
        ));
    }
    let shell = Shell1Proxy::builder(&connection)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .map_err(|err| describe(&err))?;

    match cli.command {
        // Handled offline in main, before any bus connection.
        Command::Can { .. } => {}
        Command::Vehicle { command, watch } => vehicle::run(&connection, command, watch).await?,
        Command::Apps => {
            let active = shell.active_app().await.map_err(|err| describe(&err))?;
            let apps = shell.apps().await.map_err(|err| describe(&err))?;
            let width = apps.iter().map(|(id, _, _)| id.len()).max().unwrap_or(0);
            for (id, name, state) in apps {
                let marker = if id == active { '*' } else { ' ' };
                println!("{marker} {id:<width$}  {state:<10}  {name}");
            }
        }
        Command::Active => {
            let active = shell.active_app().await.map_err(|err| describe(&err))?;
            if !active.is_empty() {
                println!("{active}");
            }
        }
        Command::Activate { app_id } => {
            shell
                .activate(&app_id)
                .await
                .map_err(|err| describe(&err))?;
        }
        Command::Home => shell.home().await.map_err(|err| describe(&err))?,
        Command::Split { primary, secondary } => {
            shell
                .set_split(&primary, &secondary)
                .await
                .map_err(|err| describe(&err))?;
        }
        Command::Screenshot { file } => {
            // Opened here, with this user's rights, and handed to Cowl to write into.
            let opened =
                std::fs::File::create(&file).map_err(|err| format!("{}: {err}", file.display()))?;
            {
                use std::os::fd::AsFd;
                shell
                    .screenshot(opened.as_fd().into())
                    .await
                    .map_err(|err| describe(&err))?;
            }
            println!("{}", file.display());
        }
        Command::Touch {
            kind,
            x,
            y,
            slot,
            panel,
        } => {
            let debug = debug_proxy(&connection).await?;
            inject(&debug, panel.as_deref(), &kind, slot, x, y).await?;
        }
        Command::Tap { x, y, panel } => {
            let debug = debug_proxy(&connection).await?;
            for kind in ["down", "up"] {
                inject(&debug, panel.as_deref(), kind, 0, x, y).await?;
            }
        }
    }
    Ok(())
}

/// One touch event, in global logical coordinates or, with a panel, in the panel's own.
async fn inject(
    debug: &Debug1Proxy<'_>,
    panel: Option<&str>,
    kind: &str,
    slot: u32,
    x: f64,
    y: f64,
) -> Result<(), String> {
    match panel {
        None => debug.touch(kind, slot, x, y).await,
        Some(output) => debug.panel_touch(output, kind, slot, x, y).await,
    }
    .map_err(|err| describe_debug(&err))
}

async fn debug_proxy(connection: &zbus::Connection) -> Result<Debug1Proxy<'_>, String> {
    Debug1Proxy::new(connection)
        .await
        .map_err(|err| describe(&err))
}

/// Input injection is off unless cowl was started with --debug-input: say so.
fn describe_debug(err: &zbus::Error) -> String {
    use zbus::fdo::Error as Fdo;
    match err {
        zbus::Error::FDO(fdo)
            if matches!(
                **fdo,
                Fdo::UnknownObject(_) | Fdo::UnknownInterface(_) | Fdo::UnknownMethod(_)
            ) =>
        {
            "Cowl does not accept injected input: start it with --debug-input".to_string()
        }
        other => describe(other),
    }
}

/// Cowl's own error messages as they are; bus trouble in words.
pub(crate) fn describe(err: &zbus::Error) -> String {
    match err {
        zbus::Error::MethodError(_, Some(message), _) => message.clone(),
        zbus::Error::MethodError(name, None, _) => name.to_string(),
        zbus::Error::InputOutput(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("Cowl did not answer within {} s", CALL_TIMEOUT.as_secs())
        }
        other => other.to_string(),
    }
}
