//! Reference images: committed PNGs of what a person should see, compared with a tolerance
//! for anti-aliasing, and regenerated only on purpose with `COWL_UPDATE_REFERENCES=1`.

use std::path::{Path, PathBuf};

use super::Image;

/// A channel this far off still matches (anti-aliasing differs a little between builds).
pub const CHANNEL_TOLERANCE: u8 = 24;
/// And this share of pixels may differ by more.
pub const PIXEL_TOLERANCE: f64 = 0.002;

pub fn reference_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(format!("{name}.png"))
}

/// The test runs to regenerate its references instead of checking them.
pub fn updating() -> bool {
    std::env::var_os("COWL_UPDATE_REFERENCES").is_some()
}

pub fn read_png(path: &Path) -> Image {
    Image::read_png(path)
        .unwrap_or_else(|err| panic!("{err} (regenerate with COWL_UPDATE_REFERENCES=1)"))
}

pub fn write_png(path: &Path, image: &Image) {
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
pub fn difference(a: &Image, b: &Image) -> f64 {
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

/// Checks `image` against the reference `name` (or writes it, when updating); on a mismatch
/// the capture is kept in the temporary folder for a look.
pub fn check(name: &str, image: &Image) {
    let path = reference_path(name);
    if updating() {
        write_png(&path, image);
        eprintln!("wrote {}", path.display());
        return;
    }
    let share = difference(image, &read_png(&path));
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

/// Whether `image` matches the reference `name` within the tolerance.
pub fn matches(name: &str, image: &Image) -> bool {
    let reference = read_png(&reference_path(name));
    (image.width, image.height) == (reference.width, reference.height)
        && difference(image, &reference) <= PIXEL_TOLERANCE
}
