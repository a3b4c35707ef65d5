//! The pieces both qemu VMs' initramfs are made of (the SocketCAN VM of `can_vm.rs`, the
//! DRM VM of `drm/vm.rs`): host tools found on PATH, commands that must succeed, and the
//! newc cpio archive the kernel unpacks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `command` and fails the test with its standard error unless it succeeds.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A host tool the VM carries (busybox, cansend), from PATH.
pub fn tool(name: &str) -> PathBuf {
    super::find_on_path(name)
        .unwrap_or_else(|| panic!("{name} is missing: run .ci/install-deps test"))
}

/// Packs the folder `root` as the uncompressed newc cpio archive `archive`.
pub fn pack(root: &Path, archive: &Path) {
    run_ok(Command::new("sh").arg("-c").arg(format!(
        "cd '{}' && find . | cpio --quiet -o -H newc > '{}'",
        root.display(),
        archive.display()
    )));
}
