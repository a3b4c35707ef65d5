//! What each piece of chrome shows, and drawing it: the status bar, the dock, the home view
//! and the "not responding" cover. Each content struct holds everything its picture depends
//! on, so that comparing contents tells whether a panel must be drawn again.

use resvg::tiny_skia::{Pixmap, Rect};

use super::layout::{Button, Target};
use super::painter::{Align, Painter, Rgba, TextStyle};
use super::theme::ThemeName;

/// The colour of the cover over a hung app (both themes: it must not look like an app).
pub const COVER: Rgba = Rgba::rgb(0x282830);

/// An app's state as the chrome marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    None,
    Running,
    Starting,
    Trouble,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusContent {
    pub theme: ThemeName,
    pub clock: String,
    pub gear: String,
    pub speed: String,
    pub temperature: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DockEntry {
    pub button: Button,
    pub icon: String,
    pub active: bool,
    pub mark: Mark,
    /// Greyed: not available while driving.
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DockContent {
    pub theme: ThemeName,
    pub entries: Vec<DockEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HomeEntry {
    pub button: Button,
    pub icon: String,
    pub name: String,
    pub mark: Mark,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HomeContent {
    pub theme: ThemeName,
    pub entries: Vec<HomeEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverContent {
    pub app_name: String,
    pub reason: CoverReason,
}

/// The rear camera: its frame, or `None` for the "Camera unavailable" screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraContent {
    pub frame: Option<CameraPicture>,
}

/// A camera frame in panel content: equal when it is the same frame.
#[derive(Debug, Clone)]
pub struct CameraPicture(pub std::sync::Arc<crate::camera::CameraFrame>);

impl PartialEq for CameraPicture {
    fn eq(&self, other: &Self) -> bool {
        self.0.sequence == other.0.sequence
    }
}

/// Why an app's window is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverReason {
    /// Hung: the watchdog's ping went unanswered.
    NotResponding,
    /// Video, while the car's restrictions forbid it.
    WhileDriving,
}

/// One panel's content; the panel's rectangle and scale come with it in `PanelJob`.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Status(StatusContent),
    Dock(DockContent),
    Home(HomeContent),
    Cover(CoverContent),
    Camera(CameraContent),
}

/// A pixmap of `width` x `height` physical pixels; `origin` is the panel's output-local
/// logical position (button rectangles are output-local), `scale` the output's.
pub struct Canvas {
    pub pixmap: Pixmap,
    pub origin: (i32, i32),
    pub scale: f64,
}

impl Canvas {
    /// An output-local logical rectangle in this canvas's pixels.
    fn rect(
        &self,
        rect: smithay::utils::Rectangle<i32, smithay::utils::Logical>,
    ) -> (f32, f32, f32, f32) {
        let s = self.scale as f32;
        (
            (rect.loc.x - self.origin.0) as f32 * s,
            (rect.loc.y - self.origin.1) as f32 * s,
            rect.size.w as f32 * s,
            rect.size.h as f32 * s,
        )
    }
}

pub fn draw(painter: &mut Painter, canvas: &mut Canvas, content: &Content) {
    match content {
        Content::Status(status) => draw_status(painter, canvas, status),
        Content::Dock(dock) => draw_dock(painter, canvas, dock),
        Content::Home(home) => draw_home(painter, canvas, home),
        Content::Cover(cover) => draw_cover(painter, canvas, cover),
        Content::Camera(camera) => draw_camera(painter, canvas, camera),
    }
}

/// The guide lines' colour: the yellow of reversing aids.
const GUIDE: Rgba = Rgba::rgb(0xffd21f);

/// The frame scaled to the panel (nearest pixel), with guide lines; or the fallback screen.
fn draw_camera(painter: &mut Painter, canvas: &mut Canvas, camera: &CameraContent) {
    let (w, h) = (canvas.pixmap.width(), canvas.pixmap.height());
    let Some(CameraPicture(frame)) = &camera.frame else {
        canvas.pixmap.fill(COVER.skia());
        let size = (w.min(h) as f32 * 0.06).clamp(12.0, 40.0);
        let style = TextStyle {
            size,
            bold: true,
            colour: Rgba::rgb(0xffd21f),
        };
        painter.text(
            &mut canvas.pixmap,
            "Camera unavailable - check surroundings",
            style,
            (w as f32 / 2.0, h as f32 / 2.0),
            Align::Centre,
            Some(w as f32 * 0.9),
        );
        return;
    };
    let pixels = canvas.pixmap.data_mut();
    for y in 0..h as usize {
        let source_y = y * frame.height as usize / h as usize;
        let row = &frame.data[source_y * frame.stride..];
        for x in 0..w as usize {
            let source_x = x * frame.width as usize / w as usize;
            let bgrx = &row[source_x * 4..source_x * 4 + 4];
            let at = (y * w as usize + x) * 4;
            pixels[at..at + 4].copy_from_slice(&[bgrx[2], bgrx[1], bgrx[0], 0xff]);
        }
    }
    // Guide lines: two converging lines from the bottom corners towards the middle.
    let (wf, hf) = (w as f32, h as f32);
    let thickness = (wf.min(hf) * 0.012).max(2.0);
    for (from_x, to_x) in [(0.15, 0.35), (0.85, 0.65)] {
        let steps = 64;
        for step in 0..steps {
            let t = step as f32 / steps as f32;
            let x = wf * (from_x + (to_x - from_x) * t);
            let y = hf * (0.98 - 0.45 * t);
            if let Some(rect) = Rect::from_xywh(
                x - thickness / 2.0,
                y,
                thickness,
                hf * 0.45 / steps as f32 + 1.0,
            ) {
                painter.rounded_rect(&mut canvas.pixmap, rect, 0.0, GUIDE);
            }
        }
    }
}

fn draw_status(painter: &mut Painter, canvas: &mut Canvas, status: &StatusContent) {
    let palette = status.theme.palette();
    let (w, h) = (canvas.pixmap.width() as f32, canvas.pixmap.height() as f32);
    canvas.pixmap.fill(palette.panel.skia());
    let horizontal = w >= h;
    let thickness = if horizontal { h } else { w };
    let size = (thickness * 0.42).max(8.0);
    let pad = thickness * 0.4;
    let bold = TextStyle {
        size,
        bold: true,
        colour: palette.text,
    };
    let value = |present: bool| TextStyle {
        size,
        bold: false,
        colour: if present {
            palette.text
        } else {
            palette.text_dim
        },
    };
    let items = [
        (status.gear.as_str(), !status.gear.starts_with("--")),
        (status.speed.as_str(), !status.speed.starts_with("--")),
        (
            status.temperature.as_str(),
            !status.temperature.starts_with("--"),
        ),
    ];
    if horizontal {
        let centre_y = h / 2.0;
        painter.text(
            &mut canvas.pixmap,
            &status.clock,
            bold,
            (pad, centre_y),
            Align::Start,
            None,
        );
        // From the right edge: phone, temperature, speed, gear.
        let mut right = w - pad;
        let phone_style = value(false);
        let drawn = painter.text(
            &mut canvas.pixmap,
            &status.phone,
            phone_style,
            (right, centre_y),
            Align::End,
            None,
        );
        right -= drawn + size * 0.3;
        let icon = (size * 1.1).round() as u32;
        painter.icon(
            &mut canvas.pixmap,
            "phone",
            (right - icon as f32, centre_y - icon as f32 / 2.0),
            icon,
            palette.text_dim,
        );
        right -= icon as f32 + pad * 1.5;
        for (text, present) in items.iter().rev() {
            let drawn = painter.text(
                &mut canvas.pixmap,
                text,
                value(*present),
                (right, centre_y),
                Align::End,
                None,
            );
            right -= drawn + pad * 1.5;
        }
    } else {
        // A side status bar: the clock on top, the values below it.
        let centre_x = w / 2.0;
        let line = size * 1.8;
        let mut y = pad + size / 2.0;
        painter.text(
            &mut canvas.pixmap,
            &status.clock,
            bold,
            (centre_x, y),
            Align::Centre,
            Some(w),
        );
        for (text, present) in items {
            y += line;
            painter.text(
                &mut canvas.pixmap,
                text,
                value(present),
                (centre_x, y),
                Align::Centre,
                Some(w),
            );
        }
    }
}

fn draw_dock(painter: &mut Painter, canvas: &mut Canvas, dock: &DockContent) {
    let palette = dock.theme.palette();
    canvas.pixmap.fill(palette.panel.skia());
    for entry in &dock.entries {
        let (x, y, w, h) = canvas.rect(entry.button.rect);
        let side = w.min(h);
        if entry.active {
            let inset = side * 0.08;
            if let Some(rect) =
                Rect::from_xywh(x + inset, y + inset, w - 2.0 * inset, h - 2.0 * inset)
            {
                painter.rounded_rect(&mut canvas.pixmap, rect, side * 0.18, palette.highlight);
            }
        }
        let icon = (side * 0.5).round() as u32;
        let tint = match entry.button.target {
            Target::Home => palette.accent,
            Target::App(_) if entry.restricted => palette.text_dim,
            Target::App(_) => palette.text,
        };
        painter.icon(
            &mut canvas.pixmap,
            &entry.icon,
            (
                x + (w - icon as f32) / 2.0,
                y + (h - icon as f32) / 2.0 - side * 0.04,
            ),
            icon,
            tint,
        );
        draw_mark(
            painter,
            canvas,
            entry.mark,
            (x + w / 2.0, y + h * 0.86),
            side * 0.035,
            dock.theme,
        );
    }
}

fn draw_home(painter: &mut Painter, canvas: &mut Canvas, home: &HomeContent) {
    let palette = home.theme.palette();
    canvas.pixmap.fill(palette.home.skia());
    for entry in &home.entries {
        let (x, y, w, h) = canvas.rect(entry.button.rect);
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            painter.rounded_rect(&mut canvas.pixmap, rect, w * 0.12, palette.tile);
        }
        let icon = (w * 0.4).round() as u32;
        painter.icon(
            &mut canvas.pixmap,
            &entry.icon,
            (x + (w - icon as f32) / 2.0, y + h * 0.17),
            icon,
            palette.text,
        );
        let name = TextStyle {
            size: (w * 0.11).max(8.0),
            bold: false,
            colour: palette.text,
        };
        painter.text(
            &mut canvas.pixmap,
            &entry.name,
            name,
            (x + w / 2.0, y + h * 0.78),
            Align::Centre,
            Some(w * 0.9),
        );
        draw_mark(
            painter,
            canvas,
            entry.mark,
            (x + w * 0.88, y + h * 0.12),
            w * 0.03,
            home.theme,
        );
    }
}

fn draw_cover(painter: &mut Painter, canvas: &mut Canvas, cover: &CoverContent) {
    let (w, h) = (canvas.pixmap.width() as f32, canvas.pixmap.height() as f32);
    canvas.pixmap.fill(COVER.skia());
    let size = (w.min(h) * 0.06).clamp(12.0, 40.0);
    let title = TextStyle {
        size,
        bold: true,
        colour: Rgba::rgb(0xe8edf2),
    };
    let detail = TextStyle {
        size: size * 0.7,
        bold: false,
        colour: Rgba::rgb(0xa0a8b0),
    };
    let (headline, explanation) = match cover.reason {
        CoverReason::NotResponding => (
            format!("{} is not responding", cover.app_name),
            "It will be restarted if it does not recover".to_string(),
        ),
        CoverReason::WhileDriving => (
            "Not available while driving".to_string(),
            format!("{} shows again when the car is parked", cover.app_name),
        ),
    };
    painter.text(
        &mut canvas.pixmap,
        &headline,
        title,
        (w / 2.0, h / 2.0 - size * 0.8),
        Align::Centre,
        Some(w * 0.9),
    );
    painter.text(
        &mut canvas.pixmap,
        &explanation,
        detail,
        (w / 2.0, h / 2.0 + size * 0.7),
        Align::Centre,
        Some(w * 0.9),
    );
}

fn draw_mark(
    painter: &mut Painter,
    canvas: &mut Canvas,
    mark: Mark,
    centre: (f32, f32),
    radius: f32,
    theme: ThemeName,
) {
    let palette = theme.palette();
    let colour = match mark {
        Mark::None => return,
        Mark::Running => palette.accent,
        Mark::Starting => palette.text_dim,
        Mark::Trouble => palette.warning,
    };
    painter.circle(&mut canvas.pixmap, centre, radius.max(2.0), colour);
}
