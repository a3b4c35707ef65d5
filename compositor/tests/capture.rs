//! Real clients drawing in the headless compositor, checked on `grim` captures, with each
//! renderer: what a person would see on the panel.

use crate::common;

use common::{BLACK, Compositor, Image};

/// Runs a test body once per headless renderer, as `<name>::gles` and `<name>::pixman`.
macro_rules! with_each_renderer {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn gles() {
                    super::$name("gles");
                }
                #[test]
                fn pixman() {
                    super::$name("pixman");
                }
            }
        )*
    };
}

with_each_renderer!(
    simple_shm_is_drawn_where_it_belongs,
    foot_shows_printed_text,
    region_capture_equals_crop_of_full_capture,
    killed_client_leaves_no_stale_window,
);

/// weston-simple-shm draws a 250x250 window whatever it is configured to: a white 20-pixel
/// frame around moving rings.
const SHM_SIZE: usize = 250;
const SHM_FRAME: usize = 20;
const WHITE: [u8; 3] = [255, 255, 255];

/// Where weston-simple-shm's window starts on an output of this size with no chrome: it
/// keeps its own size, so it sits centred in the app area (the whole output).
fn shm_origin(width: usize, height: usize) -> (usize, usize) {
    ((width - SHM_SIZE) / 2, (height - SHM_SIZE) / 2)
}

fn shm_window_at((x, y): (usize, usize)) -> impl Fn(&Image) -> bool {
    move |image| {
        image.is_filled(x, y, SHM_SIZE, SHM_FRAME, WHITE)
            && image.distinct_colours(x + SHM_FRAME, y + SHM_FRAME, SHM_SIZE - 2 * SHM_FRAME, 40)
                > 10
    }
}

fn start(renderer: &str, output: &str) -> Compositor {
    let compositor = Compositor::headless(&["--renderer", renderer, "--output", output]);
    let log = compositor.log();
    let expected = format!("renderer=\"{renderer}\"");
    assert!(
        log.contains(&expected),
        "expected the {renderer} renderer to be in use:\n{log}"
    );
    compositor
}

fn simple_shm_is_drawn_where_it_belongs(renderer: &str) {
    let compositor = start(renderer, "1024x600");
    let empty = compositor.capture();
    assert_eq!((empty.width, empty.height), (1024, 600));
    assert!(
        empty.is_filled(0, 0, 1024, 600, BLACK),
        "an empty screen is black"
    );

    compositor.spawn_client("weston-simple-shm", &[]);
    let (x, y) = shm_origin(1024, 600);
    let shown = shm_window_at((x, y));
    let image = compositor.wait_for_capture("weston-simple-shm to draw", &shown);

    // The window keeps its size, centred in the app area; the rest of the screen stays black.
    assert_eq!(image.pixel(x, y), WHITE);
    assert_eq!(image.pixel(x + SHM_SIZE - 1, y + SHM_SIZE - 1), WHITE);
    assert!(image.is_filled(0, 0, x, 600, BLACK));
    assert!(image.is_filled(x + SHM_SIZE, 0, 1024 - x - SHM_SIZE, 600, BLACK));
    assert!(image.is_filled(x, 0, SHM_SIZE, y, BLACK));
    assert!(image.is_filled(x, y + SHM_SIZE, SHM_SIZE, 600 - y - SHM_SIZE, BLACK));

    // It animates: later frames show other rings.
    let rings = |image: &Image| image.crop(x + SHM_FRAME, y + SHM_FRAME, 100, 100);
    let before = rings(&image);
    compositor.wait_for_capture("weston-simple-shm to animate", |later| {
        shown(later) && rings(later) != before
    });
}

/// foot's default colours (foot 1.13): background #111111, `ESC[41m` red #cc9393.
const FOOT_BACKGROUND: [u8; 3] = [0x11, 0x11, 0x11];
const FOOT_RED: [u8; 3] = [0xcc, 0x93, 0x93];

fn count(image: &Image, x: usize, y: usize, width: usize, height: usize, colour: [u8; 3]) -> usize {
    (y..y + height)
        .flat_map(|row| (x..x + width).map(move |column| (column, row)))
        .filter(|&(column, row)| image.pixel(column, row) == colour)
        .count()
}

fn start_foot(compositor: &Compositor) {
    compositor.spawn_client(
        "foot",
        &[
            "--app-id",
            "cowl-test-terminal",
            "sh",
            "-c",
            "printf '\\033[41m COWL RED TEXT \\033[0m\\n'; exec sleep 600",
        ],
    );
}

fn foot_shows_printed_text(renderer: &str) {
    let compositor = start(renderer, "800x480");
    start_foot(&compositor);
    let image = compositor.wait_for_capture("foot to show the red text", |image| {
        count(image, 0, 0, 400, 20, FOOT_RED) > 200
    });

    // foot was configured to fill the output: its background reaches the far corner.
    assert_eq!(image.pixel(799, 479), FOOT_BACKGROUND);
    assert_eq!(image.pixel(0, 479), FOOT_BACKGROUND);
    // The red cells hold glyphs: pixels that are neither red nor background.
    let red_cells_width = (0..400)
        .rev()
        .find(|&x| image.pixel(x, 5) == FOOT_RED)
        .unwrap_or(0);
    let glyph_pixels = (0..14)
        .flat_map(|y| (0..red_cells_width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let pixel = image.pixel(x, y);
            pixel != FOOT_RED && pixel != FOOT_BACKGROUND
        })
        .count();
    assert!(
        glyph_pixels > 50,
        "expected text in the red cells, found {glyph_pixels} glyph pixels"
    );
    // Nothing red below the first line.
    assert_eq!(count(&image, 0, 40, 800, 440, FOOT_RED), 0);
}

fn region_capture_equals_crop_of_full_capture(renderer: &str) {
    let compositor = start(renderer, "800x480");
    start_foot(&compositor);
    let full = compositor.wait_for_capture("foot to show the red text", |image| {
        count(image, 0, 0, 400, 20, FOOT_RED) > 200
    });
    // foot is idle now (no blinking cursor by default): the screen is still.
    for (x, y, width, height) in [(0, 0, 200, 30), (13, 3, 101, 17), (700, 400, 100, 80)] {
        let region = compositor.capture_region(x, y, width, height);
        assert_eq!(
            region,
            full.crop(x as usize, y as usize, width as usize, height as usize),
            "grim -g \"{x},{y} {width}x{height}\" differs from the crop of the full capture"
        );
    }
}

fn killed_client_leaves_no_stale_window(renderer: &str) {
    let compositor = start(renderer, "800x480");
    let pid = compositor.spawn_client("weston-simple-shm", &[]);
    let (x, y) = shm_origin(800, 480);
    compositor.wait_for_capture("weston-simple-shm to draw", shm_window_at((x, y)));

    compositor.kill_client(pid);
    let image = compositor.wait_for_capture("the killed client's window to go", |image| {
        image.pixel(x, y) == BLACK
    });
    assert!(
        image.is_filled(0, 0, 800, 480, BLACK),
        "no trace of the killed client remains"
    );
}

#[test]
fn outputs_lie_side_by_side() {
    let compositor = Compositor::headless(&["--output", "640x480", "--output", "320x240"]);
    compositor.spawn_client("weston-simple-shm", &[]);
    let image = compositor.wait_for_capture(
        "weston-simple-shm on the first output",
        shm_window_at(shm_origin(640, 480)),
    );
    // grim composes both outputs by their xdg-output layout: 960 wide, 480 high.
    assert_eq!((image.width, image.height), (960, 480));
    assert!(
        image.is_filled(640, 0, 320, 240, BLACK),
        "the second output shows no app yet"
    );
}

#[test]
fn a_toplevel_that_attaches_no_buffer_disappears() {
    let compositor = Compositor::headless(&["--renderer", "pixman", "--output", "320x240"]);
    let mut client = common::client::TestClient::map_toplevel(&compositor, "org.cowl.Test");
    client.draw(0x00ff_0000);
    client.wait_for_frames(1);
    let red = [255, 0, 0];
    let image = compositor.capture();
    assert!(
        image.is_filled(0, 0, 320, 240, red),
        "the toplevel fills the output in red"
    );

    client.unmap();
    compositor.wait_for_capture("the unmapped toplevel to go", |image| {
        image.is_filled(0, 0, 320, 240, BLACK)
    });
}
