//! Windows of real programs nobody here wrote, shown as a user expects, on captures: one
//! test a toolkit family that Debian packages (the README's compatibility table names
//! them). weston's demo clients set their app_id only after their first commit
//! (weston-terminal, weston-flower), and weston-flower keeps a size of its own (200x200):
//! both were invisible before the shell placed a window again when its app_id changed. A
//! toolkit window fills its slot (GTK 3 and 4, Qt 5 and 6 Quick, SDL 2, Chromium on
//! Ozone/Wayland); a video window keeps the video's size and sits centred (mpv, GStreamer's
//! waylandsink). Two SDL 2 windows redraw into the halves of a split, as do GTK 3 beside
//! Qt 5 and Qt 6 beside GTK 4. A tap on the touchscreen's path reaches Qt 5's and Qt 6's
//! tap handlers, Chromium's click handler, GTK 3's and 4's (`toolkits/tap_me.py`: no
//! packaged GTK program shows a tap on screen), and SDL 2's testmouse, which draws a point
//! where it lands. A GTK 3 or 4 entry and a Chromium input bring up the on-screen keyboard,
//! which types into them. (The shell's rules are checked exactly in-process,
//! `src/tests/client_habits.rs`.)

use crate::common;

use common::bus::PrivateBus;
use common::{BLACK, BLUE, Compositor, GREEN, Image, RED};
use cowl_testkit::config::screen;

/// 640x480: status bar 0..40, app area 40..400 (640x360, black: no background set), dock
/// 400..480.
fn start() -> Compositor {
    start_at("640x480")
}

/// Status bar 40 high, dock 80 high, the app area between.
fn start_at(output: &str) -> Compositor {
    let config = screen("HEADLESS-1").status_bar(40).dock(80).toml();
    Compositor::headless_with_config(&config, &["--renderer", "pixman", "--output", output])
}

/// The app area of a 1920x1080 output (0,40 1920x960) is covered by the app to its four
/// corners: nothing of the black behind it shows. (The widget factories ask for more than
/// a 640x360 slot, so they are tried on a larger screen.)
fn fills_the_large_app_area(image: &Image) -> bool {
    [(1, 41), (1918, 41), (1, 998), (1918, 998)]
        .iter()
        .all(|&(x, y)| image.pixel(x, y) != BLACK)
}

/// Every one of `points` shows `colour`.
fn all_of(points: &[(usize, usize)], colour: [u8; 3]) -> impl Fn(&Image) -> bool + '_ {
    move |image| points.iter().all(|&(x, y)| image.pixel(x, y) == colour)
}

/// Red as a video shows it: through YUV and back, a channel may be off by a step or two.
fn is_video_red([r, g, b]: [u8; 3]) -> bool {
    r > 240 && g < 16 && b < 16
}

/// A 320x240 red video centred in the 640x360 app area at 0,40: 160,100 to 480,340.
fn red_video_centred(image: &Image) -> bool {
    [(161, 101), (478, 338), (320, 220)]
        .iter()
        .all(|&(x, y)| is_video_red(image.pixel(x, y)))
        && [(158, 220), (482, 220), (320, 98), (320, 342)]
            .iter()
            .all(|&(x, y)| image.pixel(x, y) == BLACK)
}

#[test]
fn weston_terminal_naming_itself_late_fills_the_app_area() {
    let compositor = start();
    compositor.spawn_client("weston-terminal", &[]);
    // Its frame (client-side decorations) runs along both edges of the app area, and its
    // text area fills the rest.
    compositor.wait_for_capture("weston-terminal's frame at both edges", |image: &Image| {
        image.pixel(1, 220) != BLACK && image.pixel(638, 220) != BLACK
    });
    compositor.assert_logged("org.freedesktop.weston.wayland-terminal");
}

#[test]
fn weston_flower_of_its_own_size_sits_centred_in_the_app_area() {
    let compositor = start();
    compositor.spawn_client("weston-flower", &[]);
    // 200x200, centred in 640x360 at 0,40: the flower's heart is the app area's centre,
    // and its window ends 100 pixels either side of it.
    compositor.wait_for_capture("the flower in the middle", |image: &Image| {
        image.pixel(320, 220) != BLACK
    });
    let image = compositor.capture();
    for (x, y) in [(100, 220), (540, 220), (320, 60), (320, 380)] {
        assert_eq!(
            image.pixel(x, y),
            BLACK,
            "outside the flower's window at {x},{y}"
        );
    }
}

#[test]
fn gtk3_widget_factory_fills_its_slot() {
    let compositor = start_at("1920x1080");
    compositor.spawn_client("gtk3-widget-factory", &[]);
    compositor.wait_for_capture("GTK 3's widget factory", fills_the_large_app_area);
    compositor.assert_logged("app_id=\"gtk3-widget-factory\"");
}

#[test]
fn gtk4_widget_factory_fills_its_slot() {
    let compositor = start_at("1920x1080");
    // GTK 4 draws with GL where it can; without a GPU its software GL is slow to start, and
    // cairo is what it falls back to.
    compositor.spawn_client("env", &["GSK_RENDERER=cairo", "gtk4-widget-factory"]);
    compositor.wait_for_capture("GTK 4's widget factory", fills_the_large_app_area);
    compositor.assert_logged("app_id=\"gtk4-widget-factory\"");
}

/// Runs `viewer` (`qmlscene` or Qt 6's `qml`) on a red QML scene with Qt Quick's software
/// scene graph, and waits until the scene covers the whole 640x360 app area.
fn qt_quick_fills_its_slot(viewer: &str, scene_text: &str) {
    let compositor = start();
    spawn_qt_quick(&compositor, viewer, scene_text);
    compositor.wait_for_capture(
        "the QML scene over the whole app area",
        all_of(&[(1, 41), (638, 41), (1, 398), (638, 398)], RED),
    );
}

/// Runs `viewer` on `scene_text` with Qt Quick's software scene graph.
fn spawn_qt_quick(compositor: &Compositor, viewer: &str, scene_text: &str) {
    let scene = compositor.runtime_dir().join("scene.qml");
    std::fs::write(&scene, scene_text).expect("write the scene");
    compositor.spawn_client(
        "env",
        &[
            "QT_QPA_PLATFORM=wayland",
            "QT_QUICK_BACKEND=software",
            viewer,
            scene.to_str().expect("a UTF-8 path"),
        ],
    );
}

#[test]
fn a_qt5_quick_scene_fills_its_slot() {
    // qmlscene sizes its root item to the window.
    qt_quick_fills_its_slot(
        "qmlscene",
        "import QtQuick 2.0\nRectangle { color: \"#ff0000\" }\n",
    );
}

#[test]
fn a_qt6_quick_window_fills_its_slot() {
    qt_quick_fills_its_slot(
        "/usr/lib/qt6/bin/qml",
        "import QtQuick\nimport QtQuick.Window\nWindow { visible: true; color: \"#ff0000\" }\n",
    );
}

#[test]
fn an_sdl2_window_fills_its_slot() {
    let compositor = start();
    // SDL's own test program, from its directory (it loads icon.bmp there); resizable, so
    // that it takes the size it is configured to. It outlines its window in green; one
    // sprite, not a hundred, so that the moving sprites seldom hide the points checked.
    compositor.spawn_client(
        "sh",
        &[
            "-c",
            "cd /usr/libexec/installed-tests/SDL2 && exec env SDL_VIDEODRIVER=wayland \
             SDL_RENDER_DRIVER=software ./testsprite2 --resizable 1",
        ],
    );
    compositor.wait_for_capture(
        "SDL's outline along the app area's edges",
        all_of(&[(0, 220), (639, 220), (320, 40), (320, 399)], GREEN),
    );
}

#[test]
fn mpv_keeps_the_video_size_centred_in_its_slot() {
    let compositor = start();
    compositor.spawn_client(
        "mpv",
        &[
            "--no-config",
            "--vo=wlshm",
            "--no-audio",
            "--loop-file=inf",
            "av://lavfi:color=c=red:s=320x240:d=60",
        ],
    );
    compositor.wait_for_capture("mpv's red video, centred", red_video_centred);
}

#[test]
fn gstreamer_waylandsink_keeps_the_video_size_centred_in_its_slot() {
    let compositor = start();
    compositor.spawn_client(
        "gst-launch-1.0",
        &[
            "videotestsrc",
            "pattern=red",
            "!",
            "video/x-raw,width=320,height=240",
            "!",
            "waylandsink",
        ],
    );
    compositor.wait_for_capture("waylandsink's red video, centred", red_video_centred);
}

#[test]
fn chromium_fills_its_slot() {
    let compositor = start();
    spawn_chromium(&compositor, "<style>html{background:%23ff0000}</style>");
    compositor.wait_for_capture(
        "Chromium's red page over the whole app area",
        all_of(&[(1, 41), (638, 41), (1, 398), (638, 398), (320, 220)], RED),
    );
}

#[test]
fn two_sdl2_windows_resize_into_a_split() {
    // Left is a main app, Right a split app: Right opens beside Left, and both redraw at
    // their part's size (the split is 0.5: 320 and 320 of the 640 wide app area). One
    // sprite each, so that the moving sprites seldom hide the outlines checked.
    let config = screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .section("[shell]\nsplit_ratio = 0.5")
        .app("org.test.Left", "Left", &[])
        .app("org.test.Right", "Right", &["role = \"split\""])
        .toml();
    let sprite = |app_id: &str| {
        format!(
            "cd /usr/libexec/installed-tests/SDL2 && exec env SDL_VIDEODRIVER=wayland \
             SDL_RENDER_DRIVER=software SDL_VIDEO_WAYLAND_WMCLASS={app_id} \
             ./testsprite2 --resizable 1"
        )
    };
    // Apps of this test's user, so that the programs it starts may be the apps they name.
    let compositor = Compositor::headless_with_config(
        &common::apps_of_this_user(&config),
        &["--renderer", "pixman", "--output", "640x480"],
    );
    compositor.spawn_client("sh", &["-c", &sprite("org.test.Left")]);
    compositor.wait_for_capture(
        "Left's outline along the whole app area",
        all_of(&[(0, 220), (639, 220), (320, 40), (320, 399)], GREEN),
    );
    compositor.spawn_client("sh", &["-c", &sprite("org.test.Right")]);
    // Each outlines its own half: Left's right edge at x 319, Right's left edge at 320,
    // both from top to bottom of the app area.
    compositor.wait_for_capture(
        "two outlines, one in each half",
        all_of(
            &[
                (0, 220),
                (319, 220),
                (320, 220),
                (639, 220),
                (160, 40),
                (160, 399),
                (480, 40),
                (480, 399),
            ],
            GREEN,
        ),
    );
}

/// Cowl on 640x480 with `left` a main app and `right` a split app (`role = "split"`), both
/// of this test's user so that the programs it starts may be them; the split is 0.5.
fn start_split(left: &str, right: &str) -> Compositor {
    let config = screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .section("[shell]\nsplit_ratio = 0.5")
        .app(left, "Left", &[])
        .app(right, "Right", &["role = \"split\""])
        .toml();
    Compositor::headless_with_config(
        &common::apps_of_this_user(&config),
        &["--renderer", "pixman", "--output", "640x480"],
    )
}

/// The left program (red, framed in green) fills the 640x360 app area; once the right one
/// (blue, framed in green) opens, each has redrawn at its half's size: the left one's frame
/// runs along x 316..319, where only a window 320 wide draws it (one merely cut to its half
/// would show red there), and the right one's from 320.
fn left_then_split(compositor: &Compositor, left: &str, open_right: impl FnOnce()) {
    compositor.wait_for_capture(
        &format!("{left} over the whole app area"),
        |image: &Image| {
            all_of(&[(320, 220), (40, 60)], RED)(image)
                && all_of(&[(637, 220), (2, 220), (320, 42), (320, 397)], GREEN)(image)
        },
    );
    open_right();
    compositor.wait_for_capture(
        &format!("{left} redrawn in the left half"),
        |image: &Image| {
            all_of(&[(300, 220), (160, 220)], RED)(image)
                && all_of(&[(340, 220), (480, 220)], BLUE)(image)
                && all_of(&[(317, 220), (322, 220), (637, 220), (2, 220)], GREEN)(image)
        },
    );
}

/// GTK `major` running tap_me.py as `app_id`, in `colour` (RRGGBB), framed.
fn spawn_gtk(compositor: &Compositor, major: &str, app_id: &str, colour: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/toolkits/tap_me.py");
    compositor.spawn_client(
        "env",
        &[
            "GSK_RENDERER=cairo",
            "/usr/bin/python3",
            script,
            major,
            "frame",
            &format!("app-id={app_id}"),
            &format!("colour={colour}"),
        ],
    );
}

/// A QML rectangle of `colour` filling its window, framed in green.
fn framed_scene(header: &str, colour: &str) -> String {
    format!(
        "{header}\nRectangle {{ anchors.fill: parent; color: \"#{colour}\"; \
         border.color: \"#00ff00\"; border.width: 4 }}\n"
    )
}

#[test]
fn gtk3_and_qt5_windows_resize_into_a_split() {
    // Qt 5 names its window after the viewer: org.qt-project.qmlscene. qmlscene sizes the
    // root item to the window (anchors are for Qt 6's Window below).
    let compositor = start_split("org.test.Left", "org.qt-project.qmlscene");
    spawn_gtk(&compositor, "3", "org.test.Left", "ff0000");
    left_then_split(&compositor, "GTK 3", || {
        let scene = "import QtQuick 2.0\nRectangle { color: \"#0000ff\"; \
                     border.color: \"#00ff00\"; border.width: 4 }\n";
        spawn_qt_quick(&compositor, "qmlscene", scene);
    });
}

#[test]
fn qt6_and_gtk4_windows_resize_into_a_split() {
    let compositor = start_split("org.qt-project.qml", "org.test.Right");
    let scene = framed_scene(
        "import QtQuick\nimport QtQuick.Window\nWindow { visible: true",
        "ff0000",
    ) + "}\n";
    spawn_qt_quick(&compositor, "/usr/lib/qt6/bin/qml", &scene);
    left_then_split(&compositor, "Qt 6", || {
        spawn_gtk(&compositor, "4", "org.test.Right", "0000ff");
    });
}

/// Cowl with touch injection (Debug1, `cowlctl tap`) on a private bus; the 640x480 screen
/// of `start`.
fn start_touchable(bus: &PrivateBus) -> Compositor {
    let config = screen("HEADLESS-1").status_bar(40).dock(80).toml();
    Compositor::headless_on_bus(bus, "640x480", &["--debug-input"], &config)
}

/// A page or scene red until it is tapped, green after: a finger on the app area's centre
/// turns the whole app area green.
fn tap_turns_the_app_area_green(bus: &PrivateBus, compositor: &Compositor, what: &str) {
    let corners = [(1, 41), (638, 41), (1, 398), (638, 398), (320, 220)];
    compositor.wait_for_capture(&format!("{what}, red"), all_of(&corners, RED));
    bus.cowlctl_ok(&["tap", "320", "220"]);
    compositor.wait_for_capture(
        &format!("{what}, green once tapped"),
        all_of(&corners, GREEN),
    );
}

/// A Qt Quick scene in `viewer` that a tap turns from red to green (Qt takes the touch
/// point and its tap handler fires).
fn qt_quick_takes_a_tap(viewer: &str, scene_text: &str) {
    let bus = PrivateBus::start();
    let compositor = start_touchable(&bus);
    spawn_qt_quick(&compositor, viewer, scene_text);
    tap_turns_the_app_area_green(&bus, &compositor, viewer);
}

#[test]
fn a_qt5_quick_scene_takes_a_tap() {
    qt_quick_takes_a_tap(
        "qmlscene",
        "import QtQuick 2.12\nRectangle { id: page; color: \"#ff0000\"\n\
         TapHandler { onTapped: page.color = \"#00ff00\" } }\n",
    );
}

#[test]
fn a_qt6_quick_window_takes_a_tap() {
    qt_quick_takes_a_tap(
        "/usr/lib/qt6/bin/qml",
        "import QtQuick\nimport QtQuick.Window\nWindow { id: page; visible: true; \
         color: \"#ff0000\"\nTapHandler { onTapped: page.color = \"#00ff00\" } }\n",
    );
}

#[test]
fn chromium_takes_a_tap() {
    let bus = PrivateBus::start();
    let compositor = start_touchable(&bus);
    // A tap is a click for the page (Chromium turns touch into pointer events).
    spawn_chromium(
        &compositor,
        "<style>html{background:%23ff0000;height:100%25}</style>\
         <body onclick=\"document.documentElement.style.background='%2300ff00'\">",
    );
    tap_turns_the_app_area_green(&bus, &compositor, "Chromium's page");
}

/// GTK `major` (3 or 4) running tests/toolkits/tap_me.py, a drawing area red until tapped.
fn gtk_takes_a_tap(major: &str) {
    let bus = PrivateBus::start();
    let compositor = start_touchable(&bus);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/toolkits/tap_me.py");
    // GTK 4 draws with GL where it can; cairo starts fast without a GPU.
    // Debian's own Python, where python3-gi is.
    compositor.spawn_client(
        "env",
        &["GSK_RENDERER=cairo", "/usr/bin/python3", script, major],
    );
    tap_turns_the_app_area_green(&bus, &compositor, &format!("GTK {major}'s drawing area"));
}

#[test]
fn gtk3_takes_a_tap() {
    gtk_takes_a_tap("3");
}

#[test]
fn gtk4_takes_a_tap() {
    gtk_takes_a_tap("4");
}

/// Chromium as a kiosk app showing `page` (a data: URL's HTML, %-escaped) without a frame of
/// its own (the app mode). Its network stays shut (this machine has none), its profile is
/// the test's own. As root it needs --no-sandbox, and --test-type keeps the bar warning
/// about that off the page.
fn spawn_chromium(compositor: &Compositor, page: &str) {
    let profile = compositor.runtime_dir().join("chromium-profile");
    compositor.spawn_client(
        "chromium",
        &[
            "--ozone-platform=wayland",
            "--no-sandbox",
            "--test-type",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--app=data:text/html,{page}"),
        ],
    );
}

/// As osk.rs with foot: wvkbd is Cowl's on-screen keyboard (`[osk]`), the text field
/// (text-input-v3) the one `field` (a shell command) shows, above an area that turns green
/// once the field holds "q". wvkbd at -L 200 on 640x480 takes y 280..480; its "q" key is at
/// 61,340.
fn a_text_field_brings_up_the_osk_and_a_touch_on_it_types(field: &str) {
    let config = format!(
        "[osk]\nexec = \"wvkbd-mobintl --hidden -L 200\"\nshow_signal = \"SIGUSR2\"\n\
         hide_signal = \"SIGUSR1\"\n\n[[apps]]\nid = \"org.test.Field\"\nname = \"Field\"\n\
         exec = {field:?}\nautostart = true\n"
    );
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config);
    compositor.wait_for_capture("the field above the on-screen keyboard", |image: &Image| {
        image.pixel(320, 200) == RED && image.distinct_colours(0, 290, 640, 180) > 3
    });
    compositor.assert_logged("on-screen keyboard shown=true");
    bus.cowlctl_ok(&["tap", "61", "340"]);
    compositor.wait_for_capture("the field holding \"q\"", |image: &Image| {
        image.pixel(320, 200) == GREEN
    });
}

/// A GTK `major` entry (tap_me.py).
fn a_gtk_text_field_brings_up_the_osk_and_a_touch_on_it_types(major: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/toolkits/tap_me.py");
    a_text_field_brings_up_the_osk_and_a_touch_on_it_types(&format!(
        "env GSK_RENDERER=cairo /usr/bin/python3 {script} {major} entry"
    ));
}

#[test]
fn a_gtk3_text_field_brings_up_the_osk_and_a_touch_on_it_types() {
    a_gtk_text_field_brings_up_the_osk_and_a_touch_on_it_types("3");
}

#[test]
fn a_gtk4_text_field_brings_up_the_osk_and_a_touch_on_it_types() {
    a_gtk_text_field_brings_up_the_osk_and_a_touch_on_it_types("4");
}

#[test]
fn a_chromium_text_field_brings_up_the_osk_and_a_touch_on_it_types() {
    // Chromium speaks text-input-v3 when asked to (--enable-wayland-ime, version 3). The
    // page, an autofocused input on red, and the profile are in the test's own directory.
    let dir = tempfile::tempdir().expect("a directory for the page");
    let page = dir.path().join("field.html");
    std::fs::write(
        &page,
        "<html><body style=\"margin:0;background:red\"><input autofocus \
         oninput=\"if (this.value == 'q') document.body.style.background = 'lime'\">\
         </body></html>",
    )
    .expect("write the page");
    let field = format!(
        "chromium --ozone-platform=wayland --enable-wayland-ime --wayland-text-input-version=3 \
         --no-sandbox --test-type --disable-gpu --no-first-run --disable-background-networking \
         --disable-component-update --disable-sync --user-data-dir={} --app=file://{}",
        dir.path().join("profile").display(),
        page.display()
    );
    a_text_field_brings_up_the_osk_and_a_touch_on_it_types(&field);
}

#[test]
fn an_sdl2_window_takes_a_tap() {
    // SDL's testmouse draws a point where the mouse button goes down; SDL turns a finger
    // into the mouse (SDL_HINT_TOUCH_MOUSE_EVENTS). Its window is black over a grey app
    // area, so its coming shows.
    let bus = PrivateBus::start();
    let config = screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .background("#808080")
        .toml();
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config);
    compositor.spawn_client(
        "sh",
        &[
            "-c",
            "cd /usr/libexec/installed-tests/SDL2 && exec env SDL_VIDEODRIVER=wayland \
             SDL_RENDER_DRIVER=software ./testmouse",
        ],
    );
    compositor.wait_for_capture(
        "testmouse's black window over the app area",
        all_of(
            &[(1, 41), (638, 41), (1, 398), (638, 398), (320, 220)],
            BLACK,
        ),
    );
    bus.cowlctl_ok(&["tap", "320", "220"]);
    compositor.wait_for_capture("a point where the finger went down", |image: &Image| {
        image.pixel(320, 220) != BLACK && image.pixel(330, 220) == BLACK
    });
}
