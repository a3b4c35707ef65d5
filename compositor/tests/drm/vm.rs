//! The DRM test VM from the host's side, shared by tests/drm_vm.rs and
//! benches/drm_startup.rs: Debian's kernel under qemu (TCG) with a virtio-gpu (or qemu's
//! standard VGA), booted from an
//! initramfs that mounts this machine's root file system read-only over 9p
//! (tests/drm/vm-init.sh), and a directory of the caller's shared as "out" at /mnt, where
//! `run.sh` is the script the VM runs and logs and captures are left.
//!
//! The virtio-gpu has two heads. qemu lights a head only when its user interface asks for
//! a size, so with a second display wanted qemu runs its D-Bus display on a private bus of
//! the VM's own, and the VM asks there (`org.qemu.Display1.Console.SetUIInfo`) before the
//! guest's driver probes: the kernel then finds both connectors connected.

// The test drives the monitor (screendumps), the bench does not.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::common::bus::PrivateBus;
use crate::common::initramfs::{self, run_ok as run, tool};

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

/// The VM's initramfs: busybox, the modules and vm-init.sh; everything else comes over 9p.
fn initramfs(dir: &Path, kernel: &Path) -> PathBuf {
    let root = dir.join("initramfs");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(root.join("bin")).expect("mkdir");
    std::fs::create_dir_all(root.join("modules")).expect("mkdir");
    std::fs::copy(tool("busybox"), root.join("bin/busybox")).expect("copy busybox");
    std::fs::copy(manifest.join("tests/drm/vm-init.sh"), root.join("init")).expect("copy init");
    run(Command::new("chmod").arg("755").arg(root.join("init")));
    for entry in std::fs::read_dir(kernel.join("modules")).expect("the VM's modules") {
        let entry = entry.expect("a module");
        std::fs::copy(entry.path(), root.join("modules").join(entry.file_name()))
            .expect("copy a module");
    }
    let archive = dir.join("initramfs.cpio");
    initramfs::pack(&root, &archive);
    archive
}

/// The VM's display controller.
#[derive(Debug, Clone, Copy)]
pub enum DisplayDevice {
    /// A virtio-gpu (driver virtio-gpu, connectors Virtual-N): one head, or two with the
    /// second's size. `extra_mode` (`1024x768@10`): a mode the kernel offers on Virtual-1
    /// besides the host's (its `video=` option; the host's modes stay, the preferred one
    /// included).
    VirtioGpu {
        second_head: Option<(u32, u32)>,
        extra_mode: Option<&'static str>,
    },
    /// qemu's standard VGA (driver bochs, connector Virtual-1): a plain framebuffer that
    /// cannot share its buffers (no PRIME export).
    StdVga,
}

/// A running VM; qemu (and its bus) are killed when it is dropped.
pub struct Vm {
    qemu: Child,
    _bus: Option<PrivateBus>,
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
    /// Boots the VM: `work` holds its initramfs, monitor socket and bus, `share` (with the
    /// `run.sh` to run) is its /mnt. `display`: its display controller. `deadline` bounds
    /// the whole run.
    pub fn boot(work: &Path, share: &Path, display: DisplayDevice, deadline: Duration) -> Vm {
        let kernel = kernel_dir();
        let archive = initramfs(work, &kernel);
        let monitor_socket = work.join("monitor.sock");
        let mut qemu = Command::new("qemu-system-x86_64");
        let mut bus = None;
        qemu.args(["-accel", "tcg", "-m", "2048", "-smp", "2"]);
        let mut second_head = None;
        // no_timer_check: see can_vm.rs (the IO-APIC timer check fails under a loaded TCG).
        let mut kernel_args = String::from("console=ttyS0 quiet panic=-1 no_timer_check");
        if let DisplayDevice::VirtioGpu {
            extra_mode: Some(mode),
            ..
        } = display
        {
            kernel_args.push_str(&format!(" video=Virtual-1:{mode}"));
        }
        match display {
            DisplayDevice::VirtioGpu {
                second_head: None, ..
            } => {
                qemu.args(["-display", "none", "-vga", "none"])
                    .args(["-device", "virtio-gpu-pci,id=gpu"]);
            }
            DisplayDevice::VirtioGpu {
                second_head: Some(size),
                ..
            } => {
                let private_bus = PrivateBus::start();
                qemu.arg("-display")
                    .arg(format!("dbus,addr={}", without_guid(&private_bus.address)));
                qemu.args([
                    "-vga",
                    "none",
                    "-device",
                    "virtio-gpu-pci,id=gpu,max_outputs=2",
                ]);
                bus = Some(private_bus);
                second_head = Some(size);
            }
            DisplayDevice::StdVga => {
                qemu.args(["-display", "none", "-vga", "std"]);
            }
        }
        qemu.args(["-serial", "stdio"])
            .args(["-no-reboot", "-kernel"])
            .arg(kernel.join("vmlinuz"))
            .arg("-initrd")
            .arg(&archive)
            .arg("-append")
            .arg(&kernel_args)
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
        if let (Some((width, height)), Some(bus)) = (second_head, &bus)
            && let Err(err) = light_second_head(&bus.address, width, height, &mut qemu)
        {
            let _ = qemu.kill();
            let _ = qemu.wait();
            panic!("{err}");
        }
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
            _bus: bus,
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

/// The bus address for qemu, which refuses dbus-daemon's `guid=` part.
fn without_guid(address: &str) -> &str {
    address.split(",guid=").next().unwrap_or(address)
}

/// Asks qemu, on its D-Bus display, for a `width` x `height` picture on the virtio-gpu's
/// second head, which lights it. Waits (a minute at most) for qemu to come onto the bus;
/// fails at once if qemu exits instead.
fn light_second_head(
    address: &str,
    width: u32,
    height: u32,
    qemu: &mut Child,
) -> Result<(), String> {
    use futures_util::StreamExt;
    let address = address.to_string();
    let (done, outcome) = channel();
    std::thread::spawn(move || {
        let asked = zbus::block_on(async {
            let bus = zbus::connection::Builder::address(address.as_str())
                .build()
                .await?;
            let daemon = zbus::fdo::DBusProxy::new(&bus).await?;
            let mut owner_changes = daemon
                .receive_name_owner_changed_with_args(&[(0, "org.qemu")])
                .await?;
            let qemu = zbus::names::BusName::try_from("org.qemu")?;
            if !daemon.name_has_owner(qemu).await? {
                owner_changes.next().await;
            }
            // Millimetres (a 200 x 150 mm panel), offset, then pixels.
            bus.call_method(
                Some("org.qemu"),
                "/org/qemu/Display1/Console_1",
                Some("org.qemu.Display1.Console"),
                "SetUIInfo",
                &(200u16, 150u16, 0i32, 0i32, width, height),
            )
            .await?;
            Ok::<(), zbus::Error>(())
        });
        let _ = done.send(asked);
    });
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        match outcome.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(err)) => return Err(format!("qemu refused the second display: {err}")),
            Err(RecvTimeoutError::Disconnected) => return Err("the bus thread died".into()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = qemu.try_wait() {
            return Err(format!(
                "qemu exited ({status}) before lighting the second display"
            ));
        }
        if Instant::now() > give_up {
            return Err("qemu did not come onto its D-Bus display's bus".into());
        }
    }
}
