//! SocketCAN on a real kernel. This machine's kernel has no AF_CAN, so the test boots
//! Debian's kernel under qemu (TCG) from an initramfs holding cowl itself (this build, with
//! its shared libraries), busybox, can-utils' cansend and the vcan modules. Its /init
//! (tests/can/vm-init.sh) runs cowl on vcan0 and checks, on cowl's log: frames decoded into
//! a driving state, the kernel filter dropping ids the DBC lacks, error frames setting the
//! bus state, and the socket reopened after the interface goes down and up, and after it is
//! deleted and created again. The kernel comes from tests/can/vm-kernel.sh (run by
//! `.ci/install-deps test`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::initramfs::{self, run_ok as run, tool};

const CHECKS: [&str; 11] = [
    "opened",
    "moving",
    "parked",
    "filtered",
    "bus-off",
    "error-active",
    "down",
    "reopened",
    "moving-again",
    "recreated",
    "parked-again",
];

/// The shared libraries `binary` loads, and its loader, as ldd names them.
fn libraries(binary: &Path) -> Vec<PathBuf> {
    let output = run(Command::new("ldd").arg(binary));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let path = match line.split_once("=>") {
                Some((_, right)) => right.split_whitespace().next()?,
                None => line.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

fn copy(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).expect("create a directory");
    }
    std::fs::copy(from, to).unwrap_or_else(|err| panic!("copy {}: {err}", from.display()));
}

/// The VM's root file system, as an uncompressed newc cpio archive.
fn initramfs(dir: &Path, vm: &Path) -> PathBuf {
    let root = dir.join("root");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy(&tool("busybox"), &root.join("bin/busybox"));
    copy(&manifest.join("tests/can/vm-init.sh"), &root.join("init"));
    let cansend = tool("cansend");
    copy(&cansend, &root.join("usr/bin/cansend"));
    for module in ["can", "can-dev", "can-raw", "vcan"] {
        let name = format!("{module}.ko");
        copy(
            &vm.join("modules").join(&name),
            &root.join("modules").join(&name),
        );
    }
    // cowl without its debug info: a quarter of the size, the same code.
    let cowl = root.join("cowl");
    run(Command::new("objcopy")
        .arg("--strip-debug")
        .arg(env!("CARGO_BIN_EXE_cowl"))
        .arg(&cowl));
    for binary in [cowl.as_path(), cansend.as_path()] {
        for library in libraries(binary) {
            let name = library.file_name().expect("a file name");
            if library.starts_with("/lib64") {
                copy(&library, &root.join("lib64").join(name));
            } else {
                copy(&library, &root.join("lib").join(name));
            }
        }
    }
    std::fs::create_dir_all(root.join("usr/share/X11")).expect("mkdir");
    run(Command::new("cp")
        .arg("-r")
        .arg("/usr/share/X11/xkb")
        .arg(root.join("usr/share/X11/")));
    for file in ["cowl-demo.dbc", "cowl-demo.toml"] {
        copy(
            &manifest.join("../assets/vehicle").join(file),
            &root.join("vehicle").join(file),
        );
    }
    std::fs::write(
        root.join("cowl.toml"),
        "[dbus]\nbus = \"none\"\n\n[vehicle]\nsource = \"can\"\n\n[[vehicle.buses]]\n\
         interface = \"vcan0\"\ndbc = \"/vehicle/cowl-demo.dbc\"\n\
         mapping = \"/vehicle/cowl-demo.toml\"\n",
    )
    .expect("write the configuration");
    run(Command::new("chmod").arg("755").arg(root.join("init")));

    let archive = dir.join("initramfs.cpio");
    initramfs::pack(&root, &archive);
    archive
}

#[test]
fn socketcan_frames_filters_errors_and_reopening_on_a_real_kernel() {
    let vm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/can/vm");
    assert!(
        vm.join("vmlinuz").exists(),
        "{} has no kernel: run .ci/install-deps test (tests/can/vm-kernel.sh)",
        vm.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = initramfs(dir.path(), &vm);
    // The VM ends itself (poweroff) after its checks; timeout only stops a hung one.
    let output = Command::new("timeout")
        .args(["300", "qemu-system-x86_64", "-accel", "tcg", "-m", "1024"])
        .args(["-nographic", "-no-reboot", "-kernel"])
        .arg(vm.join("vmlinuz"))
        .arg("-initrd")
        .arg(&archive)
        // no_timer_check: under TCG on a loaded host the kernel's early IO-APIC timer check
        // can fail and panic the boot ("IO-APIC + timer doesn't work"); it is for real
        // hardware, and virtual machines skip it.
        .args(["-append", "console=ttyS0 quiet panic=-1 no_timer_check"])
        .output()
        .expect("run qemu-system-x86_64");
    let console = String::from_utf8_lossy(&output.stdout);
    assert!(
        console.contains("VM DONE"),
        "the VM did not finish:\n{console}"
    );
    for check in CHECKS {
        assert!(
            console.contains(&format!("CHECK {check} PASS")),
            "check {check} did not pass:\n{console}"
        );
    }
}
