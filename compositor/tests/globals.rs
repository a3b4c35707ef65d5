//! `wayland-info` (a client nobody here wrote) lists every global the foundation promises,
//! at the version we advertise; the privileged ones are offered only to trusted clients (on
//! the trusted socket, or an app Cowl starts as privileged and hands its connection), never
//! by executable path, never to another user on the trusted socket, and never through a
//! sandbox's security-context socket.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;

use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};

use common::Compositor;
use wayland_client::Connection;
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::wl_registry;
use wayland_protocols::wp::security_context::v1::client::{
    wp_security_context_manager_v1, wp_security_context_v1,
};

/// What wayland-info prints on `compositor`'s trusted socket.
fn wayland_info(compositor: &Compositor) -> String {
    let output = compositor
        .trusted_command("wayland-info")
        .output()
        .unwrap_or_else(|err| compositor.fail(&format!("could not run wayland-info: {err}")));
    assert!(output.status.success(), "wayland-info failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Interface name to version, as wayland-info prints them.
fn globals(compositor: &Compositor) -> BTreeMap<String, u32> {
    let text = wayland_info(compositor);
    let mut found = BTreeMap::new();
    for line in text.lines() {
        // interface: 'wl_compositor',  version:  5, name:  2
        let Some(rest) = line.trim().strip_prefix("interface: '") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once('\'') else {
            continue;
        };
        let version = rest
            .split("version:")
            .nth(1)
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no version in {line:?}"));
        found.insert(name.to_string(), version);
    }
    found
}

const EXPECTED: &[(&str, u32)] = &[
    ("wl_compositor", 5),
    ("wl_subcompositor", 1),
    ("wl_shm", 2),
    ("wl_seat", 9),
    ("wl_output", 4),
    ("zxdg_output_manager_v1", 3),
    ("wl_data_device_manager", 3),
    ("xdg_wm_base", 6),
    ("zxdg_decoration_manager_v1", 1),
    ("wp_viewporter", 1),
    ("wp_single_pixel_buffer_manager_v1", 1),
    ("wp_presentation", 2),
    ("wp_fractional_scale_manager_v1", 1),
    ("zwlr_layer_shell_v1", 4),
    ("xdg_activation_v1", 1),
    ("zwlr_screencopy_manager_v1", 3),
    ("zwp_text_input_manager_v3", 1),
    ("zwp_input_method_manager_v2", 1),
    ("zwp_virtual_keyboard_manager_v1", 1),
    ("wp_security_context_manager_v1", 1),
];

/// Seen only by trusted clients.
const PRIVILEGED: &[&str] = &[
    "zwlr_layer_shell_v1",
    "zwlr_screencopy_manager_v1",
    "zwp_input_method_manager_v2",
    "zwp_virtual_keyboard_manager_v1",
];

/// The interfaces a client on `stream` is offered.
fn offered(stream: UnixStream) -> Vec<String> {
    let connection = Connection::from_socket(stream).expect("connection");
    let (globals, _queue) = registry_queue_init::<Sandbox>(&connection).expect("registry");
    globals
        .contents()
        .clone_list()
        .into_iter()
        .map(|global| global.interface)
        .collect()
}

fn connect(compositor: &Compositor) -> UnixStream {
    UnixStream::connect(compositor.runtime_dir().join(&compositor.socket)).expect("connect")
}

#[test]
fn privileged_globals_are_only_for_trusted_clients_and_never_in_a_sandbox() {
    // On the public socket this test's own client sees the apps' globals only.
    let compositor = Compositor::headless(&["--renderer", "pixman"]);
    let untrusted = offered(connect(&compositor));
    for interface in PRIVILEGED {
        assert!(
            !untrusted.iter().any(|i| i == interface),
            "{interface} offered to an untrusted client"
        );
    }
    for interface in [
        "xdg_wm_base",
        "zwp_text_input_manager_v3",
        "wp_security_context_manager_v1",
    ] {
        assert!(
            untrusted.iter().any(|i| i == interface),
            "{interface} missing"
        );
    }

    // On the trusted socket, as Cowl's own user: it sees them all, and makes a sandbox socket.
    let stream = UnixStream::connect(compositor.trusted_socket_path()).expect("connect");
    let connection = Connection::from_socket(stream).expect("connection");
    let (globals, mut queue) = registry_queue_init::<Sandbox>(&connection).expect("registry");
    let trusted: Vec<String> = globals
        .contents()
        .clone_list()
        .into_iter()
        .map(|global| global.interface)
        .collect();
    for interface in PRIVILEGED {
        assert!(
            trusted.iter().any(|i| i == interface),
            "{interface} missing for a trusted client"
        );
    }
    let manager: wp_security_context_manager_v1::WpSecurityContextManagerV1 = globals
        .bind(&queue.handle(), 1..=1, ())
        .expect("security context manager");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox.sock");
    let listener = UnixListener::bind(&path).expect("bind the sandbox socket");
    let (close_read, _close_write) = rustix::pipe::pipe().expect("pipe");
    let context =
        manager.create_listener(listener.as_fd(), close_read.as_fd(), &queue.handle(), ());
    context.set_sandbox_engine("org.cowl.test".into());
    context.set_app_id("org.cowl.Sandboxed".into());
    context.commit();
    queue.roundtrip(&mut Sandbox).expect("roundtrip");

    // The same binary, through the sandbox's socket: nothing privileged, and no new sandbox.
    let sandboxed = offered(UnixStream::connect(&path).expect("connect through the sandbox"));
    for interface in PRIVILEGED.iter().chain(&["wp_security_context_manager_v1"]) {
        assert!(
            !sandboxed.iter().any(|i| i == interface),
            "{interface} offered in a sandbox"
        );
    }
    assert!(sandboxed.iter().any(|i| i == "xdg_wm_base"));
}

struct Sandbox;

wayland_client::delegate_noop!(Sandbox: ignore wp_security_context_manager_v1::WpSecurityContextManagerV1);
wayland_client::delegate_noop!(Sandbox: ignore wp_security_context_v1::WpSecurityContextV1);

/// Reads a FIFO to its end on a thread of its own: what an app Cowl started wrote there.
fn read_fifo(path: PathBuf) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(std::fs::read_to_string(&path).unwrap_or_default());
    });
    receiver
}

fn interfaces_in(wayland_info: &str) -> Vec<&str> {
    PRIVILEGED
        .iter()
        .copied()
        .filter(|interface| wayland_info.contains(&format!("'{interface}'")))
        .collect()
}

#[test]
fn trust_is_handed_to_the_privileged_app_cowl_starts_not_to_its_program() {
    // The same program twice: once as a privileged app, once as a plain one. Only the
    // privileged app's process, which Cowl hands its connection, sees the privileged globals;
    // what runs the program matters, not which program it is.
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = |name: &str| {
        let path = dir.path().join(name);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &path,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
        path
    };
    let (trusted_out, plain_out) = (fifo("trusted"), fifo("plain"));
    let config = format!(
        r#"
[[apps]]
id = "org.test.Trusted"
name = "Trusted"
exec = "wayland-info > {}"
privileged = true
autostart = true
restart = "never"

[[apps]]
id = "org.test.Plain"
name = "Plain"
exec = "wayland-info > {}"
autostart = true
restart = "never"
"#,
        trusted_out.display(),
        plain_out.display()
    );
    let (trusted, plain) = (read_fifo(trusted_out), read_fifo(plain_out));
    let compositor = Compositor::headless_with_config(&config, &["--renderer", "pixman"]);
    let output_of = |app: &mpsc::Receiver<String>| {
        let text = app
            .recv_timeout(common::DEADLINE)
            .unwrap_or_else(|_| compositor.fail("an app's wayland-info never finished"));
        assert!(
            text.contains("'xdg_wm_base'"),
            "wayland-info printed {text}"
        );
        text
    };
    assert_eq!(interfaces_in(&output_of(&trusted)), PRIVILEGED);
    assert_eq!(interfaces_in(&output_of(&plain)), Vec::<&str>::new());
    // And the program run by anyone else on the public socket: nothing privileged either.
    let output = compositor
        .command("wayland-info")
        .output()
        .expect("run wayland-info");
    assert_eq!(
        interfaces_in(&String::from_utf8_lossy(&output.stdout)),
        Vec::<&str>::new()
    );
}

#[test]
fn another_user_is_refused_on_the_trusted_socket_even_when_its_file_is_open_to_all() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: playing another user (setpriv) needs root, as CI has");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let compositor = Compositor::headless(&["--renderer", "pixman"]);
    // An integrator's mistake, or an attacker's wish: the runtime directory and the trusted
    // socket's file opened to everyone. The peer's user is still checked.
    let open_to_all = |path: &std::path::Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    open_to_all(compositor.runtime_dir(), 0o755);
    let trusted = compositor.trusted_socket_path();
    open_to_all(&trusted, 0o777);
    let as_nobody = |socket: &std::path::Path| {
        compositor
            .command("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "wayland-info",
            ])
            .env("WAYLAND_DISPLAY", socket)
            .output()
            .expect("run setpriv (util-linux) and wayland-info")
    };
    // Its connection is closed before any global is sent (wayland-info exits 0 regardless).
    let refused = String::from_utf8_lossy(&as_nobody(&trusted).stdout).into_owned();
    assert!(
        !refused.contains("'wl_compositor'"),
        "another user was served on the trusted socket: {refused}"
    );
    assert!(
        compositor
            .log()
            .contains("refusing a client on the trusted Wayland socket"),
        "{}",
        compositor.log()
    );
    // Cowl goes on serving its own user there.
    assert_eq!(interfaces_in(&wayland_info(&compositor)), PRIVILEGED);
}

#[test]
fn every_promised_global_is_listed_with_its_version() {
    let compositor = Compositor::headless(&["--renderer", "pixman"]);
    let found = globals(&compositor);
    for (interface, version) in EXPECTED {
        assert_eq!(
            found.get(*interface),
            Some(version),
            "{interface} v{version} expected; wayland-info listed {found:#?}"
        );
    }
}

#[test]
fn linux_dmabuf_is_offered_exactly_when_the_renderer_imports_dmabufs() {
    // Pixman imports linear dmabufs by mapping them.
    let pixman = Compositor::headless(&["--renderer", "pixman"]);
    assert_eq!(globals(&pixman).get("zwp_linux_dmabuf_v1"), Some(&3));

    // GLES on Mesa's software EGL device has no EGL_EXT_image_dma_buf_import: offering the
    // global would make clients fail later, so it is not offered. On a machine whose EGL
    // device imports dmabufs, the global must be there.
    let gles = Compositor::headless(&["--renderer", "gles"]);
    let can_import = !gles
        .log()
        .contains("the renderer imports no dmabuf formats");
    assert_eq!(
        globals(&gles).contains_key("zwp_linux_dmabuf_v1"),
        can_import
    );
}

#[test]
fn one_output_per_output_flag() {
    let compositor = Compositor::headless(&[
        "--renderer",
        "pixman",
        "--output",
        "800x480",
        "--output",
        "640x480",
    ]);
    let text = wayland_info(&compositor);
    let outputs = text.matches("interface: 'wl_output'").count();
    assert_eq!(outputs, 2, "{text}");
    assert!(
        text.contains("HEADLESS-1") && text.contains("HEADLESS-2"),
        "{text}"
    );
}

/// Displays lie left to right in the configuration's order, not in the order they came:
/// the first configured one is where apps open, whichever the backend found first.
#[test]
fn outputs_lie_in_the_configured_order() {
    let compositor = Compositor::headless_with_config(
        "[dbus]\nbus = \"none\"\n\n[[outputs]]\nname = \"HEADLESS-2\"\n\n\
         [[outputs]]\nname = \"HEADLESS-1\"\n",
        &[
            "--renderer",
            "pixman",
            "--output",
            "800x480",
            "--output",
            "640x480",
        ],
    );
    let text = wayland_info(&compositor);
    let position = |name: &str| {
        let block = text
            .split("interface: ")
            .find(|block| block.contains(&format!("name: {name}\n")))
            .unwrap_or_else(|| panic!("no wl_output {name}: {text}"));
        let line = block
            .lines()
            .find(|line| line.trim_start().starts_with("x: "))
            .unwrap_or_else(|| panic!("no position for {name}: {block}"));
        line.trim().to_string()
    };
    assert!(position("HEADLESS-2").starts_with("x: 0, y: 0,"), "{text}");
    assert!(
        position("HEADLESS-1").starts_with("x: 640, y: 0,"),
        "{text}"
    );
}

#[test]
fn gles_falls_back_to_pixman_without_an_egl_device() {
    // glvnd finds no EGL vendor in an empty directory: no EGL device at all.
    let empty = tempfile::tempdir().expect("temp dir");
    let compositor = Compositor::start(
        &[
            "--backend",
            "headless",
            "--renderer",
            "gles",
            "--output",
            "320x240",
        ],
        &[(
            "__EGL_VENDOR_LIBRARY_DIRS",
            empty.path().to_str().expect("utf-8"),
        )],
    );
    let log = compositor.log();
    assert!(log.contains("falling back to the pixman renderer"), "{log}");
    assert!(log.contains("renderer=\"pixman\""), "{log}");
    // And it draws: the empty screen is captured black.
    let image = compositor.capture();
    assert!(image.is_filled(0, 0, 320, 240, common::BLACK));
}

wayland_client::delegate_dispatch!(Sandbox: [wl_registry::WlRegistry: GlobalListContents] => cowl_testkit::wayland::Globals);
