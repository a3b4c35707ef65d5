//! `--screenshot PATH`: one PNG of the first output, taken once the demo clients have drawn,
//! for headless demos and for checking a head unit that has no panel attached.
//!
//! "Have drawn" means: every `--spawn`ed client (at least one window) has shown its first
//! buffer, and then a settling time has passed, so that a terminal has printed its text. The
//! pixels come from the same read-back as wlr-screencopy, turned upright by the output's
//! transform: a screenshot shows what the driver sees, however the panel is mounted. With
//! `--quit-after-screenshot`, cowl stops once the file is written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::utils::{Physical, Size, Transform};
use tracing::{info, warn};

use crate::protocols::screencopy::RowOrder;
use crate::state::State;

/// How read-back pixels lie: the panel's size, the order of its rows in the buffer, and the
/// transform that turns the panel's picture upright.
#[derive(Debug, Clone, Copy)]
pub struct PanelPixels {
    pub size: Size<i32, Physical>,
    pub row_order: RowOrder,
    pub transform: Transform,
}

/// A Shell1 `Screenshot` call: who asked, the file to write, and whom to tell when done.
pub struct ScreenshotRequest {
    pub caller: String,
    pub file: std::fs::File,
    pub reply: futures_channel::oneshot::Sender<Result<(), ScreenshotError>>,
}

/// At most this many Shell1 screenshots wait for a frame (and so for a writer thread) at a
/// time, one a caller: a caller cannot queue work without bound.
pub const MAX_WAITING_SCREENSHOTS: usize = 4;

/// Why a Shell1 screenshot was not written.
#[derive(Debug)]
pub enum ScreenshotError {
    /// Enough screenshots wait already (this caller's, or four in all).
    Busy(String),
    Failed(String),
}

/// The caller's descriptor as a file to write the PNG into: it must be a regular file (a
/// pipe or socket could stall the writer for ever) opened for writing.
pub fn writable_regular_file(fd: std::os::fd::OwnedFd) -> Result<std::fs::File, String> {
    let stat = rustix::fs::fstat(&fd).map_err(|err| format!("the file: {err}"))?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err("the screenshot goes into a regular file".into());
    }
    let flags = rustix::fs::fcntl_getfl(&fd).map_err(|err| format!("the file: {err}"))?;
    if !flags.intersects(rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::RDWR) {
        return Err("the screenshot's file is not open for writing".into());
    }
    Ok(std::fs::File::from(fd))
}

/// Long enough for a client's second and third frames (text after the first clear).
const SETTLING_TIME: Duration = Duration::from_millis(1500);

pub struct Screenshot {
    path: PathBuf,
    windows_expected: usize,
    windows_shown: usize,
    phase: Phase,
    quit_after: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    WaitingForWindows,
    Settling,
    Due,
    Written,
}

impl Screenshot {
    pub fn new(path: PathBuf, windows_expected: usize, quit_after: bool) -> Screenshot {
        Screenshot {
            path,
            windows_expected: windows_expected.max(1),
            windows_shown: 0,
            phase: Phase::WaitingForWindows,
            quit_after,
        }
    }

    /// Whether the next frame of the first output should be saved.
    pub fn is_due(&self) -> bool {
        self.phase == Phase::Due
    }

    /// Saves a frame read back from the framebuffer (little-endian XRGB rows).
    pub fn save(&mut self, xrgb: &[u8], panel: &PanelPixels) {
        self.phase = Phase::Written;
        match write_png(&self.path, xrgb, panel) {
            Ok(()) => {
                info!(path = %self.path.display(), "screenshot written");
                println!("cowl: screenshot written to {}", self.path.display());
            }
            Err(err) => warn!(path = %self.path.display(), "could not write the screenshot: {err}"),
        }
    }
}

impl State {
    /// A window showed its first buffer; once all expected windows have, the screenshot is
    /// taken after the settling time.
    pub fn screenshot_window_shown(&mut self) {
        let Some(screenshot) = self.screenshot.as_mut() else {
            return;
        };
        screenshot.windows_shown += 1;
        if screenshot.phase != Phase::WaitingForWindows
            || screenshot.windows_shown < screenshot.windows_expected
        {
            return;
        }
        screenshot.phase = Phase::Settling;
        let timer = Timer::from_duration(SETTLING_TIME);
        let inserted = self.loop_handle.insert_source(timer, |_, _, state| {
            if let Some(screenshot) = state.screenshot.as_mut() {
                screenshot.phase = Phase::Due;
            }
            // A still screen draws nothing: ask for a frame so there is one to save.
            if let Some(output) = crate::shell::primary_output(&state.space) {
                state.queue_redraw(&output);
            }
            TimeoutAction::Drop
        });
        if let Err(err) = inserted {
            warn!("could not schedule the screenshot: {err}");
        }
    }

    /// A Shell1 `Screenshot`: the primary output's next frame is saved into `file`, unless
    /// this caller's last one still waits or `MAX_WAITING_SCREENSHOTS` do.
    pub fn request_screenshot(
        &mut self,
        caller: String,
        file: std::fs::File,
        reply: futures_channel::oneshot::Sender<Result<(), ScreenshotError>>,
    ) {
        let Some(output) = crate::shell::primary_output(&self.space) else {
            let _ = reply.send(Err(ScreenshotError::Failed(
                "no output is connected".into(),
            )));
            return;
        };
        let waiting = self.screenshot_requests.len() + self.screenshots_being_written();
        if self
            .screenshot_requests
            .iter()
            .any(|request| request.caller == caller)
        {
            let _ = reply.send(Err(ScreenshotError::Busy(
                "this caller's last screenshot is still being taken".into(),
            )));
            return;
        }
        if waiting >= MAX_WAITING_SCREENSHOTS {
            let _ = reply.send(Err(ScreenshotError::Busy(format!(
                "{waiting} screenshots are being taken; try again once they are done"
            ))));
            return;
        }
        self.screenshot_requests.push(ScreenshotRequest {
            caller,
            file,
            reply,
        });
        // A still screen draws nothing by itself: ask for a frame to save.
        self.queue_redraw(&output);
    }

    /// After a frame: stop when the screenshot was all we were asked for.
    pub fn screenshot_frame_done(&mut self) {
        if let Some(screenshot) = &self.screenshot
            && screenshot.phase == Phase::Written
            && screenshot.quit_after
        {
            info!("screenshot taken; quitting as asked");
            self.loop_signal.stop();
        }
    }
}

/// Shell1 screenshots whose PNG is being written (they count against
/// `MAX_WAITING_SCREENSHOTS` until their caller is answered).
static BEING_WRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl State {
    fn screenshots_being_written(&self) -> usize {
        BEING_WRITTEN.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Writes the frame for each request on a thread of its own (PNG encoding takes longer than
/// a frame) and answers each caller when its file is complete.
pub fn save_requested(requests: Vec<ScreenshotRequest>, xrgb: Vec<u8>, panel: PanelPixels) {
    use std::sync::atomic::Ordering;
    let count = requests.len();
    BEING_WRITTEN.fetch_add(count, Ordering::Relaxed);
    let spawned = std::thread::Builder::new()
        .name("cowl-screenshot".into())
        .spawn(move || {
            for request in requests {
                let result = write_png_into(&request.file, &xrgb, &panel)
                    .map_err(|err| ScreenshotError::Failed(format!("could not write: {err}")));
                match &result {
                    Ok(()) => info!(caller = request.caller, "screenshot written"),
                    Err(err) => warn!(caller = request.caller, "{err:?}"),
                }
                BEING_WRITTEN.fetch_sub(1, Ordering::Relaxed);
                let _ = request.reply.send(result);
            }
        });
    if let Err(err) = spawned {
        BEING_WRITTEN.fetch_sub(count, Ordering::Relaxed);
        warn!("could not start writing a screenshot: {err}");
    }
}

/// Writes little-endian XRGB rows as an upright RGB PNG, atomically (a reader never sees
/// half).
fn write_png(path: &Path, xrgb: &[u8], panel: &PanelPixels) -> Result<(), String> {
    let temporary = path.with_extension("png.partial");
    let file = std::fs::File::create(&temporary).map_err(|err| err.to_string())?;
    write_png_into(&file, xrgb, panel)?;
    std::fs::rename(&temporary, path).map_err(|err| err.to_string())
}

/// Writes little-endian XRGB rows as an upright RGB PNG into `file`, from its start, and cuts
/// it to the PNG's length.
fn write_png_into(file: &std::fs::File, xrgb: &[u8], panel: &PanelPixels) -> Result<(), String> {
    use std::io::{Seek, Write};
    let width = panel.size.w as usize;
    let mut rgb = Vec::with_capacity(width * panel.size.h as usize * 3);
    let rows: Box<dyn Iterator<Item = &[u8]>> = match panel.row_order {
        RowOrder::TopFirst => Box::new(xrgb.chunks_exact(width * 4)),
        RowOrder::BottomFirst => Box::new(xrgb.chunks_exact(width * 4).rev()),
    };
    for row in rows {
        for pixel in row.chunks_exact(4) {
            rgb.extend_from_slice(&[pixel[2], pixel[1], pixel[0]]);
        }
    }
    let (rgb, size) = upright(rgb, panel.size, panel.transform);
    let mut out = file;
    out.set_len(0).map_err(|err| err.to_string())?;
    out.rewind().map_err(|err| err.to_string())?;
    let mut buffered = std::io::BufWriter::new(out);
    let mut encoder = png::Encoder::new(&mut buffered, size.w as u32, size.h as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|err| err.to_string())?;
    writer
        .write_image_data(&rgb)
        .map_err(|err| err.to_string())?;
    writer.finish().map_err(|err| err.to_string())?;
    buffered.flush().map_err(|err| err.to_string())
}

/// The panel's RGB picture turned by `transform`, as the driver sees it: each panel pixel
/// goes where the output transform puts it (the mapping touches take, see `input::panel`).
fn upright(
    rgb: Vec<u8>,
    panel: Size<i32, Physical>,
    transform: Transform,
) -> (Vec<u8>, Size<i32, Physical>) {
    if transform == Transform::Normal {
        return (rgb, panel);
    }
    let size = transform.transform_size(panel);
    let area = panel.to_f64();
    let mut turned = vec![0; rgb.len()];
    for y in 0..panel.h {
        for x in 0..panel.w {
            let centre = (f64::from(x) + 0.5, f64::from(y) + 0.5).into();
            let to = transform.transform_point_in(centre, &area);
            let to = (to.y as usize * size.w as usize + to.x as usize) * 3;
            let from = (y as usize * panel.w as usize + x as usize) * 3;
            turned[to..to + 3].copy_from_slice(&rgb[from..from + 3]);
        }
    }
    (turned, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_the_pixels_upright_in_rgb() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("shot.png");
        // Two rows of one pixel, bottom row first: blue at the bottom, red on top.
        let bottom_first = [0xff, 0, 0, 0, 0, 0, 0xff, 0];
        let panel = PanelPixels {
            size: (1, 2).into(),
            row_order: RowOrder::BottomFirst,
            transform: Transform::Normal,
        };
        write_png(&path, &bottom_first, &panel).expect("write");
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&path).expect("open"),
        ));
        let mut reader = decoder.read_info().expect("png header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).expect("png data");
        assert_eq!(&pixels[..6], &[0xff, 0, 0, 0, 0, 0xff]);
    }

    #[test]
    fn a_turned_panel_is_saved_upright() {
        // A 3x2 panel, RGB: row 0 = a b c, row 1 = d e f. Turned by 90 degrees it is 2x3.
        let rgb: Vec<u8> = (1..=6).flat_map(|v| [v, v, v]).collect();
        let (turned, size) = upright(rgb, (3, 2).into(), Transform::_90);
        assert_eq!((size.w, size.h), (2, 3));
        let values: Vec<u8> = turned.chunks_exact(3).map(|p| p[0]).collect();
        // transform_point_in(_90) sends panel (x, y) to (h - y, x): the left column of the
        // panel becomes the top row, read from the bottom up.
        assert_eq!(values, [4, 1, 5, 2, 6, 3]);
    }

    #[test]
    fn waits_for_every_expected_window() {
        let screenshot = Screenshot::new(PathBuf::from("x.png"), 0, false);
        assert_eq!(
            screenshot.windows_expected, 1,
            "at least one window is awaited"
        );
        assert!(!screenshot.is_due());
    }
}
