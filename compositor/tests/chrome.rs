//! The chrome as a person sees it, against committed reference images: the status bar with
//! a fixed clock and "--" readouts, the dock with its buttons, the home view's tiles, in
//! the night and the day theme. Text and icons go through the real text stack and SVG
//! renderer; a small tolerance absorbs anti-aliasing differences.
//!
//! The references are regenerated only on purpose:
//! `COWL_UPDATE_REFERENCES=1 cargo test -p cowl --test chrome`, then look at them.

mod common;

use std::path::{Path, PathBuf};

use common::{Compositor, Image};

const LAYOUT: &str = r##"
[[outputs]]
name = "HEADLESS-1"
[outputs.layout]
status_bar = { edge = "top", size = 48 }
dock = { edge = "bottom", size = 96 }
background = "#0b0f14"

[[apps]]
id = "org.cowl.Navigation"
name = "Navigation"
icon = "navigation"

[[apps]]
id = "org.cowl.Media"
name = "Media"
icon = "media"
role = "split"

[[apps]]
id = "projection"
name = "Phone"
icon = "phone"
role = "projection"

[[apps]]
id = "org.cowl.Settings"
name = "Vehicle settings"
icon = "settings"
"##;

/// A channel this far off still matches (anti-aliasing differs a little between builds).
const CHANNEL_TOLERANCE: u8 = 24;
/// And this share of pixels may differ by more.
const PIXEL_TOLERANCE: f64 = 0.002;

fn reference_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(format!("{name}.png"))
}

fn read_png(path: &Path) -> Image {
    Image::read_png(path).unwrap_or_else(|err| panic!("{err} (regenerate: see chrome.rs)"))
}

fn write_png(path: &Path, image: &Image) {
    let file = std::fs::File::create(path).expect("create the reference");
    let mut encoder = png::Encoder::new(
        std::io::BufWriter::new(file),
        image.width as u32,
        image.height as u32,
    );
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&image.rgb).expect("png data");
}

/// The share of pixels that differ beyond the channel tolerance.
fn difference(a: &Image, b: &Image) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height), "sizes differ");
    let differing = a
        .rgb
        .chunks_exact(3)
        .zip(b.rgb.chunks_exact(3))
        .filter(|(p, q)| {
            p.iter()
                .zip(q.iter())
                .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE)
        })
        .count();
    differing as f64 / (a.width * a.height) as f64
}

fn check_against_reference(name: &str, theme: &str) {
    let config = format!("[shell]\ntheme = \"{theme}\"\n{LAYOUT}");
    let compositor = Compositor::headless_with_config(
        &config,
        &[
            "--renderer",
            "pixman",
            "--output",
            "960x400",
            "--clock",
            "09:41",
        ],
    );
    let image = compositor.capture();
    let path = reference_path(name);
    if std::env::var_os("COWL_UPDATE_REFERENCES").is_some() {
        write_png(&path, &image);
        eprintln!("wrote {}", path.display());
        return;
    }
    let reference = read_png(&path);
    let share = difference(&image, &reference);
    if share > PIXEL_TOLERANCE {
        let actual = std::env::temp_dir().join(format!("cowl-{name}-actual.ppm"));
        let _ = image.write_ppm(&actual);
        panic!(
            "{:.2}% of the pixels differ from {} (the capture is at {})",
            share * 100.0,
            path.display(),
            actual.display()
        );
    }
}

#[test]
fn the_night_chrome_matches_its_reference() {
    check_against_reference("chrome-night", "night");
}

#[test]
fn the_day_chrome_matches_its_reference() {
    check_against_reference("chrome-day", "day");
}

#[test]
fn the_comparison_sees_a_different_theme() {
    // The guard against a comparison that cannot fail: night is not day.
    let night = read_png(&reference_path("chrome-night"));
    let day = read_png(&reference_path("chrome-day"));
    assert!(difference(&night, &day) > 0.5);
}
