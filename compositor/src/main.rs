//! `cowl`: the head unit's display server.
//!
//! This file only parses the command line, sets up logging and calls the library
//! (`cowl::run`); the compositor itself lives in `lib.rs`'s modules, where the tests can reach
//! it without a process.

use clap::Parser;

fn main() {
    cowl_sdk::logging::init("info");
    if let Err(err) = cowl::run(cowl::cli::Cli::parse()) {
        // `{:#}` prints the whole context chain on one line: "could not ...: because ...".
        eprintln!("cowl: error: {err:#}");
        std::process::exit(1);
    }
}
