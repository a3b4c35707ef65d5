//! `wayland-info` (a client nobody here wrote) lists every global the foundation promises,
//! at the version we advertise.

mod common;

use std::collections::BTreeMap;

use common::Compositor;

/// Interface name to version, as wayland-info prints them.
fn globals(compositor: &Compositor) -> BTreeMap<String, u32> {
    let output = compositor
        .command("wayland-info")
        .output()
        .unwrap_or_else(|err| compositor.fail(&format!("could not run wayland-info: {err}")));
    assert!(output.status.success(), "wayland-info failed");
    let text = String::from_utf8_lossy(&output.stdout);
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
];

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
    let output = compositor
        .command("wayland-info")
        .output()
        .expect("run wayland-info");
    let text = String::from_utf8_lossy(&output.stdout);
    let outputs = text.matches("interface: 'wl_output'").count();
    assert_eq!(outputs, 2, "{text}");
    assert!(
        text.contains("HEADLESS-1") && text.contains("HEADLESS-2"),
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
