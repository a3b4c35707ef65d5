//! Logging as every program of Cowl's does it (the compositor, its camera helper and the
//! apps): to standard error, which systemd's journal (or Cowl's log, for its helper) takes;
//! filtered by `RUST_LOG` where it is set, else by the program's own default; coloured only
//! on a terminal.

/// Starts logging with `default_filter` (an `EnvFilter` directive such as `"info"`) unless
/// `RUST_LOG` says otherwise. Call once, first thing in `main`.
pub fn init(default_filter: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
