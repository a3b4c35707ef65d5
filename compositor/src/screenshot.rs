//! `--screenshot PATH`: one PNG of the first output, taken once the demo clients have drawn,
//! for headless demos and for checking a head unit that has no panel attached.
//!
//! "Have drawn" means: every `--spawn`ed client (at least one window) has shown its first
//! buffer, and then a settling time has passed, so that a terminal has printed its text. The
//! pixels come from the same read-back as wlr-screencopy. With `--quit-after-screenshot`,
//! cowl stops once the file is written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::utils::{Physical, Size};
use tracing::{info, warn};

use crate::protocols::screencopy::RowOrder;
use crate::state::State;

/// A Shell1 `Screenshot` call: where to write, and whom to tell when done.
pub struct ScreenshotRequest {
    pub path: PathBuf,
    pub reply: futures_channel::oneshot::Sender<Result<(), String>>,
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
    pub fn save(&mut self, xrgb: &[u8], size: Size<i32, Physical>, row_order: RowOrder) {
        self.phase = Phase::Written;
        match write_png(&self.path, xrgb, size, row_order) {
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

    /// A Shell1 `Screenshot`: the primary output's next frame is saved to `path`.
    pub fn request_screenshot(
        &mut self,
        path: PathBuf,
        reply: futures_channel::oneshot::Sender<Result<(), String>>,
    ) {
        let Some(output) = crate::shell::primary_output(&self.space) else {
            let _ = reply.send(Err("no output is connected".into()));
            return;
        };
        self.screenshot_requests
            .push(ScreenshotRequest { path, reply });
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

/// Writes the frame for each request on a thread of its own (PNG encoding takes longer than
/// a frame) and answers each caller when its file is complete.
pub fn save_requested(
    requests: Vec<ScreenshotRequest>,
    xrgb: Vec<u8>,
    size: Size<i32, Physical>,
    row_order: RowOrder,
) {
    let spawned = std::thread::Builder::new()
        .name("cowl-screenshot".into())
        .spawn(move || {
            for request in requests {
                let result = write_png(&request.path, &xrgb, size, row_order)
                    .map_err(|err| format!("could not write {}: {err}", request.path.display()));
                match &result {
                    Ok(()) => info!(path = %request.path.display(), "screenshot written"),
                    Err(err) => warn!("{err}"),
                }
                let _ = request.reply.send(result);
            }
        });
    if let Err(err) = spawned {
        warn!("could not start writing a screenshot: {err}");
    }
}

/// Writes little-endian XRGB rows as an RGB PNG, atomically (a reader never sees half).
fn write_png(
    path: &Path,
    xrgb: &[u8],
    size: Size<i32, Physical>,
    row_order: RowOrder,
) -> Result<(), String> {
    let width = size.w as usize;
    let mut rgb = Vec::with_capacity(width * size.h as usize * 3);
    let rows: Box<dyn Iterator<Item = &[u8]>> = match row_order {
        RowOrder::TopFirst => Box::new(xrgb.chunks_exact(width * 4)),
        RowOrder::BottomFirst => Box::new(xrgb.chunks_exact(width * 4).rev()),
    };
    for row in rows {
        for pixel in row.chunks_exact(4) {
            rgb.extend_from_slice(&[pixel[2], pixel[1], pixel[0]]);
        }
    }
    let temporary = path.with_extension("png.partial");
    let file = std::fs::File::create(&temporary).map_err(|err| err.to_string())?;
    let mut encoder =
        png::Encoder::new(std::io::BufWriter::new(file), size.w as u32, size.h as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|err| err.to_string())?;
    writer
        .write_image_data(&rgb)
        .map_err(|err| err.to_string())?;
    writer.finish().map_err(|err| err.to_string())?;
    std::fs::rename(&temporary, path).map_err(|err| err.to_string())
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
        write_png(&path, &bottom_first, (1, 2).into(), RowOrder::BottomFirst).expect("write");
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&path).expect("open"),
        ));
        let mut reader = decoder.read_info().expect("png header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).expect("png data");
        assert_eq!(&pixels[..6], &[0xff, 0, 0, 0, 0, 0xff]);
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
