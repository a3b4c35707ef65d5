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
    /// The cards above the tiles (`cards.rs`).
    pub cards: Vec<super::cards::CardContent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverContent {
    pub app_name: String,
    pub reason: CoverReason,
}

/// A slot waiting for its app: the app's icon and name, and what is happening.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingContent {
    pub theme: ThemeName,
    pub icon: String,
    pub app_name: String,
    pub waiting: super::waiting::Waiting,
}

/// Around and above the camera's picture: black bars where the picture does not reach, and
/// the guide lines over it. The picture itself (`picture`, output-local logical) is left
/// clear: the camera's own buffer shows through, drawn below this panel.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraOverlay {
    pub picture: smithay::utils::Rectangle<i32, smithay::utils::Logical>,
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
    /// A slot whose app shows no window yet, or cannot run (`waiting.rs`).
    Waiting(WaitingContent),
    /// The camera's bars and guide lines, over its picture.
    CameraOverlay(CameraOverlay),
    /// Reverse, the camera's first frame on its way (a few milliseconds): black.
    CameraStarting,
    /// Reverse with no picture: "Camera unavailable - check surroundings".
    CameraUnavailable,
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
        Content::Waiting(waiting) => draw_waiting(painter, canvas, waiting),
        Content::CameraOverlay(overlay) => draw_camera_overlay(canvas, overlay),
        Content::CameraStarting => canvas.pixmap.fill(resvg::tiny_skia::Color::BLACK),
        Content::CameraUnavailable => draw_camera_unavailable(painter, canvas),
    }
}

/// The guide lines' colour: the yellow of reversing aids.
const GUIDE: Rgba = Rgba::rgb(0xffd21f);

/// The frame scaled to the panel (nearest pixel), with guide lines; or the fallback screen.
/// The pixels of an output-local logical rectangle in this canvas, rounded as the renderer
/// rounds an element's edges, clamped to the canvas.
pub fn canvas_pixels(
    canvas_size: (u32, u32),
    origin: (i32, i32),
    scale: f64,
    rect: smithay::utils::Rectangle<i32, smithay::utils::Logical>,
) -> (u32, u32, u32, u32) {
    let edge = |logical: i32, start: i32, limit: u32| {
        ((f64::from(logical - start) * scale).round().max(0.0) as u32).min(limit)
    };
    let x0 = edge(rect.loc.x, origin.0, canvas_size.0);
    let y0 = edge(rect.loc.y, origin.1, canvas_size.1);
    let x1 = edge(rect.loc.x + rect.size.w, origin.0, canvas_size.0);
    let y1 = edge(rect.loc.y + rect.size.h, origin.1, canvas_size.1);
    (x0, y0, x1.max(x0), y1.max(y0))
}

/// The overlay's opaque parts in its canvas: everything but the picture, as up to four bars.
pub fn camera_overlay_opaque(
    canvas_size: (u32, u32),
    picture: (u32, u32, u32, u32),
) -> Vec<(u32, u32, u32, u32)> {
    let (w, h) = canvas_size;
    let (x0, y0, x1, y1) = picture;
    [
        (0, 0, w, y0),
        (0, y1, w, h),
        (0, y0, x0, y1),
        (x1, y0, w, y1),
    ]
    .into_iter()
    .filter(|&(left, top, right, bottom)| right > left && bottom > top)
    .collect()
}

fn draw_camera_overlay(canvas: &mut Canvas, overlay: &CameraOverlay) {
    use resvg::tiny_skia::{LineCap, Paint, PathBuilder, Stroke, Transform};
    let size = (canvas.pixmap.width(), canvas.pixmap.height());
    let picture = canvas_pixels(size, canvas.origin, canvas.scale, overlay.picture);
    canvas.pixmap.fill(resvg::tiny_skia::Color::TRANSPARENT);
    for (left, top, right, bottom) in camera_overlay_opaque(size, picture) {
        if let Some(bar) = Rect::from_ltrb(left as f32, top as f32, right as f32, bottom as f32) {
            let mut paint = Paint::default();
            paint.set_color(resvg::tiny_skia::Color::BLACK);
            canvas
                .pixmap
                .fill_rect(bar, &paint, Transform::identity(), None);
        }
    }
    // Guide lines: the car's width converging towards the distance, with a mark across at
    // each end; drawn in the picture's proportions.
    let (x0, y0, x1, y1) = picture;
    let (left, top) = (x0 as f32, y0 as f32);
    let (w, h) = ((x1 - x0) as f32, (y1 - y0) as f32);
    if w < 4.0 || h < 4.0 {
        return;
    }
    let at = |fx: f32, fy: f32| (left + w * fx, top + h * fy);
    let mut path = PathBuilder::new();
    for (near, far) in [((0.15, 0.98), (0.35, 0.53)), ((0.85, 0.98), (0.65, 0.53))] {
        let (nx, ny) = at(near.0, near.1);
        let (fx, fy) = at(far.0, far.1);
        path.move_to(nx, ny);
        path.line_to(fx, fy);
    }
    for (from, to) in [((0.35, 0.53), (0.42, 0.53)), ((0.58, 0.53), (0.65, 0.53))] {
        let (ax, ay) = at(from.0, from.1);
        let (bx, by) = at(to.0, to.1);
        path.move_to(ax, ay);
        path.line_to(bx, by);
    }
    let Some(path) = path.finish() else {
        return;
    };
    let mut paint = Paint::default();
    paint.set_color(GUIDE.skia());
    paint.anti_alias = true;
    let stroke = Stroke {
        width: (w.min(h) * 0.012).max(3.0),
        line_cap: LineCap::Round,
        ..Stroke::default()
    };
    canvas
        .pixmap
        .stroke_path(&path, &paint, &stroke, Transform::identity(), None);
}

fn draw_camera_unavailable(painter: &mut Painter, canvas: &mut Canvas) {
    let (w, h) = (canvas.pixmap.width(), canvas.pixmap.height());
    canvas.pixmap.fill(COVER.skia());
    let size = (w.min(h) as f32 * 0.06).clamp(12.0, 40.0);
    let style = TextStyle {
        size,
        bold: true,
        colour: GUIDE,
    };
    painter.text(
        &mut canvas.pixmap,
        "Camera unavailable - check surroundings",
        style,
        (w as f32 / 2.0, h as f32 / 2.0),
        Align::Centre,
        Some(w as f32 * 0.9),
    );
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
            Target::App(_) | Target::Retry(_) if entry.restricted => palette.text_dim,
            Target::App(_) | Target::Retry(_) | Target::PlayPause | Target::Next => palette.text,
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
    for card in &home.cards {
        draw_card(painter, canvas, card, home.theme);
    }
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

/// A home card: its icon and label on top, the title large, the detail below; the
/// now-playing card's buttons at its right.
fn draw_card(
    painter: &mut Painter,
    canvas: &mut Canvas,
    card: &super::cards::CardContent,
    theme: ThemeName,
) {
    let palette = theme.palette();
    let (x, y, w, h) = canvas.rect(card.place.rect);
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        painter.rounded_rect(&mut canvas.pixmap, rect, h.min(w) * 0.1, palette.tile);
    }
    let pad = h * 0.12;
    let label_size = (h * 0.1).max(8.0);
    let icon = (label_size * 1.4).round() as u32;
    painter.icon(
        &mut canvas.pixmap,
        card.icon,
        (x + pad, y + pad),
        icon,
        palette.accent,
    );
    let label = TextStyle {
        size: label_size,
        bold: false,
        colour: palette.text_dim,
    };
    let text_left = x + pad + icon as f32 + label_size * 0.6;
    painter.text(
        &mut canvas.pixmap,
        card.label,
        label,
        (text_left, y + pad + icon as f32 / 2.0),
        Align::Start,
        Some(x + w - pad - text_left),
    );
    // The buttons take the right; the words keep clear of them.
    let buttons_left = card
        .place
        .buttons
        .iter()
        .filter(|button| button.rect != card.place.rect)
        .map(|button| canvas.rect(button.rect).0)
        .fold(x + w - pad, f32::min);
    // The title at half height, the detail below; narrow cards (phone, temperature) take
    // smaller words.
    let title = TextStyle {
        size: (h * 0.16).min(w * 0.11).max(9.0),
        bold: true,
        colour: palette.text,
    };
    let detail = TextStyle {
        size: (h * 0.11).min(w * 0.075).max(8.0),
        bold: false,
        colour: palette.text_dim,
    };
    for (words, style, height) in [(&card.title, title, 0.5), (&card.detail, detail, 0.72)] {
        painter.text(
            &mut canvas.pixmap,
            words,
            style,
            (x + pad, y + h * height),
            Align::Start,
            Some(buttons_left - x - pad),
        );
    }
    for button in &card.place.buttons {
        let icon = match button.target {
            Target::PlayPause if card.playing => "pause",
            Target::PlayPause => "play",
            Target::Next => "next",
            _ => continue,
        };
        let (bx, by, bw, bh) = canvas.rect(button.rect);
        let side = bw.min(bh);
        painter.circle(
            &mut canvas.pixmap,
            (bx + bw / 2.0, by + bh / 2.0),
            side / 2.0,
            palette.highlight,
        );
        let glyph = (side * 0.5).round() as u32;
        painter.icon(
            &mut canvas.pixmap,
            icon,
            (
                bx + (bw - glyph as f32) / 2.0,
                by + (bh - glyph as f32) / 2.0,
            ),
            glyph,
            palette.text,
        );
    }
}

fn draw_waiting(painter: &mut Painter, canvas: &mut Canvas, content: &WaitingContent) {
    use super::waiting::Waiting;
    let palette = content.theme.palette();
    canvas.pixmap.fill(palette.home.skia());
    let (w, h) = (canvas.pixmap.width() as f32, canvas.pixmap.height() as f32);
    let size = (w.min(h) * 0.06).clamp(12.0, 40.0);
    let icon = (w.min(h) * 0.2).round() as u32;
    painter.icon(
        &mut canvas.pixmap,
        &content.icon,
        ((w - icon as f32) / 2.0, h * 0.22 - icon as f32 / 2.0),
        icon,
        palette.text,
    );
    let title = TextStyle {
        size,
        bold: true,
        colour: palette.text,
    };
    let detail = TextStyle {
        size: size * 0.7,
        bold: false,
        colour: palette.text_dim,
    };
    let (headline, explanation) = match &content.waiting {
        Waiting::Starting { why } => (format!("Starting {}…", content.app_name), why.clone()),
        Waiting::Failed { why, .. } => (
            format!("{} could not start", content.app_name),
            Some(why.clone()),
        ),
        Waiting::Absent => (format!("{} is not running", content.app_name), None),
    };
    painter.text(
        &mut canvas.pixmap,
        &headline,
        title,
        (w / 2.0, h * 0.22 + icon as f32 / 2.0 + size * 1.2),
        Align::Centre,
        Some(w * 0.9),
    );
    if let Some(explanation) = explanation {
        painter.text(
            &mut canvas.pixmap,
            &explanation,
            detail,
            (w / 2.0, h * 0.22 + icon as f32 / 2.0 + size * 2.3),
            Align::Centre,
            Some(w * 0.9),
        );
    }
    if let Waiting::Failed { retry, .. } = &content.waiting {
        let (x, y, bw, bh) = canvas.rect(retry.rect);
        if let Some(rect) = Rect::from_xywh(x, y, bw, bh) {
            painter.rounded_rect(&mut canvas.pixmap, rect, bh * 0.2, palette.accent);
        }
        let label = TextStyle {
            size: bh * 0.4,
            bold: true,
            colour: palette.home,
        };
        painter.text(
            &mut canvas.pixmap,
            "Try again",
            label,
            (x + bw / 2.0, y + bh / 2.0),
            Align::Centre,
            Some(bw * 0.9),
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
