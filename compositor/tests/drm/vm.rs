//! The DRM test VM from the host's side, shared by tests/drm_vm.rs and
//! benches/drm_startup.rs: Debian's kernel under qemu (TCG) with a virtio-gpu, booted from an
//! initramfs that mounts this machine's root file system read-only over 9p
//! (tests/drm/vm-init.sh), and a directory of the caller's shared as "out" at /mnt, where
//! `run.sh` is the script the VM runs and logs and captures are left.

// The test drives the monitor (screendumps), the bench does not.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The kernel and its modules (tests/can/vm-kernel.sh).
pub fn kernel_dir() -> PathBuf {
    let vm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/can/vm");
    assert!(
        vm.join("modules/virtio-gpu.ko").exists(),
        "{} has no kernel with virtio-gpu: run .ci/install-deps test (tests/can/vm-kernel.sh)",
        vm.display()
    );
    vm
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn busybox() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("busybox"))
        .find(|path| path.is_file())
        .expect("busybox is missing: run .ci/install-deps test")
}

/// The VM's initramfs: busybox, the modules and vm-init.sh; everything else comes over 9p.
fn initramfs(dir: &Path, kernel: &Path) -> PathBuf {
    let root = dir.join("initramfs");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(root.join("bin")).expect("mkdir");
    std::fs::create_dir_all(root.join("modules")).expect("mkdir");
    std::fs::copy(busybox(), root.join("bin/busybox")).expect("copy busybox");
    std::fs::copy(manifest.join("tests/drm/vm-init.sh"), root.join("init")).expect("copy init");
    run(Command::new("chmod").arg("755").arg(root.join("init")));
    for entry in std::fs::read_dir(kernel.join("modules")).expect("the VM's modules") {
        let entry = entry.expect("a module");
        std::fs::copy(entry.path(), root.join("modules").join(entry.file_name()))
            .expect("copy a module");
    }
    let archive = dir.join("initramfs.cpio");
    run(Command::new("sh").arg("-c").arg(format!(
        "cd '{}' && find . | cpio --quiet -o -H newc > '{}'",
        root.display(),
        archive.display()
    )));
    archive
}

/// A running VM; qemu is killed when it is dropped.
pub struct Vm {
    qemu: Child,
    lines: Receiver<String>,
    monitor_socket: PathBuf,
    began: Instant,
    deadline: Duration,
    /// Everything the VM's console printed so far.
    pub console: String,
}

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.qemu.kill();
        let _ = self.qemu.wait();
    }
}

impl Vm {
    /// Boots the VM: `work` holds its initramfs and monitor socket, `share` (with the
    /// `run.sh` to run) is its /mnt. `deadline` bounds the whole run.
    pub fn boot(work: &Path, share: &Path, deadline: Duration) -> Vm {
        let kernel = kernel_dir();
        let archive = initramfs(work, &kernel);
        let monitor_socket = work.join("monitor.sock");
        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args(["-accel", "tcg", "-m", "2048", "-smp", "2"])
            .args(["-display", "none", "-vga", "none", "-serial", "stdio"])
            .args(["-device", "virtio-gpu-pci,id=gpu"])
            .args(["-no-reboot", "-kernel"])
            .arg(kernel.join("vmlinuz"))
            .arg("-initrd")
            .arg(&archive)
            // no_timer_check: see can_vm.rs (the IO-APIC timer check fails under a loaded
            // TCG).
            .args(["-append", "console=ttyS0 quiet panic=-1 no_timer_check"])
            .arg("-monitor")
            .arg(format!(
                "unix:{},server=on,wait=off",
                monitor_socket.display()
            ))
            .arg("-virtfs")
            .arg("local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap")
            .arg("-virtfs")
            .arg(format!(
                "local,path={},mount_tag=out,security_model=none",
                share.display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut qemu = qemu.spawn().expect("run qemu-system-x86_64");
        let stdout = qemu.stdout.take().expect("qemu's console");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Vm {
            qemu,
            lines,
            monitor_socket,
            began: Instant::now(),
            deadline,
            console: String::new(),
        }
    }

    /// The console's next line; `None` once the VM has ended. Panics past the deadline,
    /// with the console so far and `context`.
    pub fn next_line(&mut self, context: impl FnOnce() -> String) -> Option<String> {
        let left = self.deadline.saturating_sub(self.began.elapsed());
        match self.lines.recv_timeout(left) {
            Ok(line) => {
                self.console.push_str(&line);
                self.console.push('\n');
                Some(line)
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("the VM ran out of time:\n{}\n{}", self.console, context())
            }
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Sends one command to qemu's human monitor and waits for its prompt to come back.
    pub fn monitor(&self, command: &str) -> String {
        let mut stream =
            UnixStream::connect(&self.monitor_socket).expect("connect to qemu's monitor");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let read_until_prompt = |stream: &mut UnixStream, transcript: &mut Vec<u8>| {
            let mut chunk = [0u8; 256];
            while !String::from_utf8_lossy(transcript).ends_with("(qemu) ") {
                let count = stream.read(&mut chunk).expect("read qemu's monitor");
                assert!(count > 0, "qemu's monitor closed");
                transcript.extend_from_slice(&chunk[..count]);
            }
        };
        let mut transcript = Vec::new();
        read_until_prompt(&mut stream, &mut transcript);
        transcript.clear();
        stream
            .write_all(format!("{command}\n").as_bytes())
            .expect("write to qemu's monitor");
        read_until_prompt(&mut stream, &mut transcript);
        String::from_utf8_lossy(&transcript).into_owned()
    }
}
