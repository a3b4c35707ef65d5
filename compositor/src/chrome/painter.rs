//! Drawing the chrome into pixmaps: text through cosmic-text (shaping, fallback fonts,
//! anti-aliased glyphs) with the bundled DejaVu Sans subset first, icons through resvg
//! (SVG) or the png decoder, shapes through tiny-skia. Everything is drawn at the output's
//! physical size, so that it is crisp at any scale.
//!
//! The fonts and the icon rasters are cached: drawing a status bar once a minute shapes a
//! few strings and copies a few cached icons.

use std::collections::HashMap;
use std::path::Path;

use cosmic_text::{
    Attrs, Buffer, Color, Ellipsize, EllipsizeHeightLimit, Family, FontSystem, Metrics, Shaping,
    SwashCache, Weight, Wrap, fontdb,
};
use resvg::tiny_skia::{self, FillRule, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Transform};
use tracing::warn;

/// The bundled fonts (a subset of DejaVu Sans made by `assets/fonts/make-fonts.sh`).
const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-subset.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold-subset.ttf");
const FAMILY: &str = "DejaVu Sans";

/// The built-in icons by name (`icon = "media"` in an app's configuration).
const BUILT_IN_ICONS: &[(&str, &str)] = &[
    ("app", include_str!("../../../assets/icons/app.svg")),
    ("home", include_str!("../../../assets/icons/home.svg")),
    ("media", include_str!("../../../assets/icons/media.svg")),
    ("next", include_str!("../../../assets/icons/next.svg")),
    ("pause", include_str!("../../../assets/icons/pause.svg")),
    ("play", include_str!("../../../assets/icons/play.svg")),
    (
        "navigation",
        include_str!("../../../assets/icons/navigation.svg"),
    ),
    ("phone", include_str!("../../../assets/icons/phone.svg")),
    (
        "temperature",
        include_str!("../../../assets/icons/temperature.svg"),
    ),
    (
        "settings",
        include_str!("../../../assets/icons/settings.svg"),
    ),
];

/// A straight (not premultiplied) sRGB colour with alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    pub const fn rgb(hex: u32) -> Rgba {
        Rgba([(hex >> 16) as u8, (hex >> 8) as u8, hex as u8, 0xff])
    }

    pub fn skia(self) -> tiny_skia::Color {
        let [r, g, b, a] = self.0;
        tiny_skia::Color::from_rgba8(r, g, b, a)
    }
}

/// How a piece of text is set.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    /// Font size in physical pixels.
    pub size: f32,
    pub bold: bool,
    pub colour: Rgba,
}

/// Where text goes along a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Start,
    Centre,
    End,
}

pub struct Painter {
    fonts: FontSystem,
    glyphs: SwashCache,
    /// Rasterized icons by (source, size in pixels, tinted); `None` for an icon that failed
    /// to load (logged once).
    icons: HashMap<(String, u32, bool), Option<Pixmap>>,
}

impl Painter {
    /// Loads the bundled fonts, then the system's as fallback for scripts the subset lacks.
    pub fn new() -> Painter {
        let started = std::time::Instant::now();
        let mut db = fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.load_system_fonts();
        db.set_sans_serif_family(FAMILY);
        tracing::info!(
            fonts = db.len(),
            elapsed = ?started.elapsed(),
            "chrome fonts loaded"
        );
        Painter {
            fonts: FontSystem::new_with_locale_and_db("en-US".to_string(), db),
            glyphs: SwashCache::new(),
            icons: HashMap::new(),
        }
    }

    fn shape(&mut self, text: &str, style: TextStyle, max_width: Option<f32>) -> Buffer {
        let metrics = Metrics::new(style.size, (style.size * 1.25).ceil());
        let mut buffer = Buffer::new(&mut self.fonts, metrics);
        buffer.set_wrap(Wrap::None);
        buffer.set_size(max_width, None);
        if max_width.is_some() {
            buffer.set_ellipsize(Ellipsize::End(EllipsizeHeightLimit::Lines(1)));
        }
        let weight = if style.bold {
            Weight::BOLD
        } else {
            Weight::NORMAL
        };
        let attrs = Attrs::new().family(Family::Name(FAMILY)).weight(weight);
        buffer.set_text(text, &attrs, Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
        buffer
    }

    /// Draws one line of text, vertically centred on `centre_y`, aligned at `x` (its start,
    /// centre or end), cut with an ellipsis at `max_width`. Returns the width drawn.
    pub fn text(
        &mut self,
        pixmap: &mut Pixmap,
        text: &str,
        style: TextStyle,
        (x, centre_y): (f32, f32),
        align: Align,
        max_width: Option<f32>,
    ) -> f32 {
        let mut buffer = self.shape(text, style, max_width);
        let (width, line_height) = buffer
            .layout_runs()
            .map(|run| (run.line_w, run.line_height))
            .fold((0.0f32, style.size * 1.25), |(w, _), (lw, lh)| {
                (w.max(lw), lh)
            });
        let left = match align {
            Align::Start => x,
            Align::Centre => x - width / 2.0,
            Align::End => x - width,
        }
        .round() as i32;
        let top = (centre_y - line_height / 2.0).round() as i32;
        let [r, g, b, a] = style.colour.0;
        let colour = Color::rgba(r, g, b, a);
        let (pixmap_width, pixmap_height) = (pixmap.width() as i32, pixmap.height() as i32);
        let pixels = pixmap.pixels_mut();
        buffer.draw(
            &mut self.fonts,
            &mut self.glyphs,
            colour,
            |gx, gy, w, h, colour| {
                let alpha = u32::from(colour.a());
                if alpha == 0 {
                    return;
                }
                for py in gy..gy + h as i32 {
                    for px in gx..gx + w as i32 {
                        let (x, y) = (left + px, top + py);
                        if x < 0 || y < 0 || x >= pixmap_width || y >= pixmap_height {
                            continue;
                        }
                        let at = (y * pixmap_width + x) as usize;
                        pixels[at] = blend(pixels[at], colour.r(), colour.g(), colour.b(), alpha);
                    }
                }
            },
        );
        width
    }

    /// Fills a rectangle with rounded corners (radius in pixels), anti-aliased.
    pub fn rounded_rect(&self, pixmap: &mut Pixmap, rect: Rect, radius: f32, colour: Rgba) {
        fill(pixmap, rounded_rect_path(rect, radius), colour);
    }

    /// Fills a circle, anti-aliased.
    pub fn circle(&self, pixmap: &mut Pixmap, (x, y): (f32, f32), radius: f32, colour: Rgba) {
        fill(pixmap, PathBuilder::from_circle(x, y, radius), colour);
    }

    /// Draws an icon into a square of `size` pixels at (x, y). Built-in icons (and any SVG)
    /// are tinted with `tint`; PNG icons keep their colours. An icon that cannot be loaded
    /// draws the generic app icon instead.
    pub fn icon(
        &mut self,
        pixmap: &mut Pixmap,
        source: &str,
        (x, y): (f32, f32),
        size: u32,
        tint: Rgba,
    ) {
        let tinted = !source.ends_with(".png");
        let raster = self.icon_raster(source, size, tinted);
        let raster = match raster {
            Some(raster) => raster,
            None => match self.icon_raster("app", size, true) {
                Some(raster) => raster,
                None => return,
            },
        };
        let mut raster = raster.clone();
        if tinted {
            tint_pixmap(&mut raster, tint);
        }
        pixmap.draw_pixmap(
            x.round() as i32,
            y.round() as i32,
            raster.as_ref(),
            &PixmapPaint::default(),
            Transform::identity(),
            None,
        );
    }

    fn icon_raster(&mut self, source: &str, size: u32, tinted: bool) -> Option<&Pixmap> {
        let key = (source.to_string(), size, tinted);
        if !self.icons.contains_key(&key) {
            let raster = rasterize_icon(source, size).map_err(|err| {
                warn!(
                    icon = source,
                    "could not load an icon: {err}; using the generic one"
                );
            });
            self.icons.insert(key.clone(), raster.ok());
        }
        self.icons.get(&key).and_then(Option::as_ref)
    }
}

/// `src` over `dst`, both premultiplied; the source colour comes straight with its alpha.
fn blend(
    dst: tiny_skia::PremultipliedColorU8,
    r: u8,
    g: u8,
    b: u8,
    alpha: u32,
) -> tiny_skia::PremultipliedColorU8 {
    let over = |source: u8, destination: u8| -> u8 {
        let source = u32::from(source) * alpha / 255;
        (source + u32::from(destination) * (255 - alpha) / 255).min(255) as u8
    };
    let a = (alpha + u32::from(dst.alpha()) * (255 - alpha) / 255).min(255) as u8;
    let (r, g, b) = (
        over(r, dst.red()),
        over(g, dst.green()),
        over(b, dst.blue()),
    );
    // Premultiplied colour channels never exceed alpha.
    tiny_skia::PremultipliedColorU8::from_rgba(r.min(a), g.min(a), b.min(a), a).unwrap_or(dst)
}

/// Fills a path (none: nothing to draw) with one colour, anti-aliased.
fn fill(pixmap: &mut Pixmap, path: Option<tiny_skia::Path>, colour: Rgba) {
    let Some(path) = path else {
        return;
    };
    let mut paint = Paint::default();
    paint.set_color(colour.skia());
    paint.anti_alias = true;
    pixmap.fill_path(
        &path,
        &paint,
        FillRule::Winding,
        Transform::identity(),
        None,
    );
}

fn rounded_rect_path(rect: Rect, radius: f32) -> Option<tiny_skia::Path> {
    let radius = radius
        .min(rect.width() / 2.0)
        .min(rect.height() / 2.0)
        .max(0.0);
    let (l, t, r, b) = (rect.left(), rect.top(), rect.right(), rect.bottom());
    // A quarter circle as a cubic: control points at 0.5523 of the radius.
    let k = radius * (1.0 - 0.552_284_8);
    let mut path = PathBuilder::new();
    path.move_to(l + radius, t);
    path.line_to(r - radius, t);
    path.cubic_to(r - k, t, r, t + k, r, t + radius);
    path.line_to(r, b - radius);
    path.cubic_to(r, b - k, r - k, b, r - radius, b);
    path.line_to(l + radius, b);
    path.cubic_to(l + k, b, l, b - k, l, b - radius);
    path.line_to(l, t + radius);
    path.cubic_to(l, t + k, l + k, t, l + radius, t);
    path.close();
    path.finish()
}

/// Replaces the colour of every pixel by `tint`, keeping its coverage.
fn tint_pixmap(pixmap: &mut Pixmap, tint: Rgba) {
    let [r, g, b, a] = tint.0;
    for pixel in pixmap.pixels_mut() {
        let alpha = u32::from(pixel.alpha()) * u32::from(a) / 255;
        let channel = |c: u8| (u32::from(c) * alpha / 255) as u8;
        if let Some(tinted) = tiny_skia::PremultipliedColorU8::from_rgba(
            channel(r),
            channel(g),
            channel(b),
            alpha as u8,
        ) {
            *pixel = tinted;
        }
    }
}

/// An icon by built-in name or file path (SVG or PNG), scaled to `size` pixels square.
fn rasterize_icon(source: &str, size: u32) -> Result<Pixmap, String> {
    let mut pixmap = Pixmap::new(size, size).ok_or("an icon of size 0")?;
    if source.ends_with(".png") {
        let icon = Pixmap::load_png(Path::new(source)).map_err(|err| err.to_string())?;
        let scale = size as f32 / icon.width().max(icon.height()) as f32;
        let paint = PixmapPaint {
            quality: tiny_skia::FilterQuality::Bicubic,
            ..PixmapPaint::default()
        };
        pixmap.draw_pixmap(
            0,
            0,
            icon.as_ref(),
            &paint,
            Transform::from_scale(scale, scale),
            None,
        );
        return Ok(pixmap);
    }
    let svg = match BUILT_IN_ICONS.iter().find(|(name, _)| *name == source) {
        Some((_, svg)) => (*svg).to_string(),
        None if source.ends_with(".svg") => {
            std::fs::read_to_string(source).map_err(|err| format!("{source}: {err}"))?
        }
        None => {
            return Err(format!(
                "no built-in icon {source:?} and not an .svg/.png path"
            ));
        }
    };
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default())
        .map_err(|err| format!("{source}: {err}"))?;
    let view = tree.size();
    let scale = size as f32 / view.width().max(view.height());
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let mut painter = Painter::new();
        let style = TextStyle {
            size: 20.0,
            bold: false,
            colour: Rgba::rgb(0xffffff),
        };
        let mut pixmap = Pixmap::new(100, 40).expect("pixmap");
        let width = painter.text(&mut pixmap, "12:34", style, (0.0, 20.0), Align::Start, None);
        assert!((40.0..80.0).contains(&width), "width {width}");
        let lit = pixmap.pixels().iter().filter(|p| p.alpha() > 128).count();
        assert!(lit > 50, "only {lit} pixels of text");
    }

    #[test]
    fn built_in_icons_render_and_unknown_ones_fail() {
        for (name, _) in BUILT_IN_ICONS {
            let pixmap = rasterize_icon(name, 32).expect("built-in icon");
            assert!(pixmap.pixels().iter().any(|p| p.alpha() == 255), "{name}");
        }
        assert!(rasterize_icon("no-such-icon", 32).is_err());
        assert!(rasterize_icon("/no/such/file.svg", 32).is_err());
    }
}
