//! Where Cowl's resident memory goes, next to Weston 10's, with the same clients as
//! `versus_weston`'s RSS phase (weston-simple-shm and an idle foot, drawn): each compositor's
//! VmRSS split by what holds it, from /proc/PID/smaps (heap, anonymous memory, the clients'
//! shared buffers, fonts, each library). One run of each, for both renderers.
//!
//!     cargo bench -p cowl --bench memory_breakdown
//!
//! It prints Markdown tables for BENCHMARKS.md: the parts of 512 KiB or more, largest first.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::peer::{Peer, Renderer};

const SETTLE: Duration = Duration::from_secs(2);
/// Parts smaller than this are summed into one row.
const SMALL_KIB: u64 = 512;

fn breakdown(peer: Peer, renderer: Renderer) -> (u64, Vec<(String, u64)>) {
    let config = common::peer::shipped_config_without_camera();
    let (mut running, _) = common::peer::start(peer, renderer, (1920, 720), &config);
    running.spawn_memory_clients();
    std::thread::sleep(SETTLE);
    (running.rss_kib(), running.rss_breakdown())
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("memory_breakdown: run with `cargo bench -p cowl --bench memory_breakdown`");
        return;
    }
    for renderer in [Renderer::Pixman, Renderer::Gl] {
        for peer in [Peer::Cowl, Peer::Weston] {
            let (rss, parts) = breakdown(peer, renderer);
            println!("\n{peer:?}, {renderer:?}: VmRSS {rss} KiB\n");
            println!("| part | KiB |");
            println!("|---|---|");
            let mut small = 0;
            for (what, kib) in parts {
                if kib >= SMALL_KIB {
                    println!("| {what} | {kib} |");
                } else {
                    small += kib;
                }
            }
            println!("| everything else | {small} |");
        }
    }
}
