//! Exec to the first page flip on a real display controller, Cowl against Weston 10's DRM
//! backend, side by side in the same VM: Debian's kernel under qemu (TCG) with a virtio-gpu
//! (the test VM of tests/drm_vm.rs, tests/drm/vm.rs), this machine's root file system over
//! 9p. Inside, tests/drm/vm-bench.sh starts each compositor in turn and takes the time from
//! a trace marker written just before exec to the kernel's first virtio-gpu RESOURCE_FLUSH
//! (traced by `virtio_gpu_cmd_queue`: a framebuffer's pixels pushed to the display, the
//! first frame on screen), so both are timed by the kernel, the same way. Cowl's
//! own `start-up done` line says where its time went (its phases, in ms since `main`
//! began, and `before_main`, the dynamic loader's share).
//!
//! Weston runs kiosk-shell (no client to wait for, like Cowl's black curtain); Cowl runs
//! with D-Bus off and the shipped layout. Both with Pixman, then both with GL (Mesa's
//! llvmpipe through GBM). Numbers under TCG are inflated many times over a real SoC; the
//! ratio is what carries over. Run with `cargo bench -p cowl --bench drm_startup`; it prints
//! a Markdown table for BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/drm/vm.rs"]
mod vm;

use std::path::Path;
use std::time::Duration;

const ROUNDS: usize = 5;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One VM run: the flip times of each compositor and Cowl's phases.
fn measure(renderer: &str) -> (Vec<f64>, Vec<f64>, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let share = dir.path().join("share");
    std::fs::create_dir_all(&share).expect("mkdir");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    std::fs::copy(tests.join("drm/vm-bench.sh"), share.join("run.sh")).expect("copy the script");
    std::fs::write(
        share.join("env"),
        format!(
            "COWL='{}'\nRENDERER='{renderer}'\nROUNDS={ROUNDS}\n",
            env!("CARGO_BIN_EXE_cowl")
        ),
    )
    .expect("write env");
    std::fs::write(share.join("cowl.toml"), "[dbus]\nbus = \"none\"\n").expect("write config");

    let mut machine = vm::Vm::boot(
        dir.path(),
        &share,
        vm::DisplayDevice::VirtioGpu {
            second_head: None,
            extra_mode: None,
        },
        Duration::from_secs(900),
    );
    let (mut cowl, mut weston, mut phases) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(line) = machine.next_line(String::new) {
        let line = line.trim().to_string();
        if line.contains("BENCH-FAILED") {
            panic!("{line}\n{}", machine.console);
        }
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("BENCH"), Some(name), Some(ms)) => {
                let ms: f64 = ms
                    .parse()
                    .unwrap_or_else(|_| panic!("not a time: {line}\n{}", machine.console));
                match name {
                    "cowl" => cowl.push(ms),
                    _ => weston.push(ms),
                }
            }
            (Some("PHASES"), ..) => {
                phases.push(line.trim_start_matches("PHASES").trim().to_string())
            }
            _ => {}
        }
        if line.contains("VM-DONE") {
            break;
        }
    }
    assert_eq!(
        (cowl.len(), weston.len()),
        (ROUNDS, ROUNDS),
        "a compositor did not come up every round:\n{}",
        machine.console
    );
    (cowl, weston, phases)
}

fn main() {
    println!("| renderer | Cowl exec to first flip (ms) | Weston 10 (ms) | Cowl / Weston |");
    println!("|---|---|---|---|");
    let mut all_phases = Vec::new();
    for renderer in ["pixman", "gles"] {
        let (mut cowl, mut weston, phases) = measure(renderer);
        let (cowl, weston) = (median(&mut cowl), median(&mut weston));
        println!(
            "| {renderer} | {cowl:.0} | {weston:.0} | {:.2} |",
            cowl / weston
        );
        all_phases.extend(phases.into_iter().map(|p| format!("{renderer}: {p}")));
    }
    println!("\nCowl's start-up phases, each round:");
    for phases in all_phases {
        println!("- {phases}");
    }
}
