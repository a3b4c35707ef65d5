//! wlr-screencopy-unstable-v1, version 3: clients (grim, screen recorders, our tests) copy an
//! output, or a region of it, into a wl_shm buffer they own.
//!
//! The protocol lives here; the pixels come from the backends. A `copy` request is queued and
//! the output is asked for a redraw (a `copy_with_damage` only when its region has changed
//! already); right after the next frame of that output is rendered, the
//! backend hands its framebuffer to [`serve`], which reads the requested region back and sends
//! `ready`. `copy_with_damage` waits until something in the region has changed since the same
//! client's previous capture of that output, and reports what changed. Nothing here blocks:
//! a capture that cannot be served fails with `failed`, and a malformed request is a protocol
//! error for that client alone.
//!
//! Only shm buffers are offered (no `linux_dmabuf` event): every renderer we run reads back
//! into memory, and grim asks for nothing else.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smithay::backend::allocator::Fourcc;
use smithay::backend::renderer::ExportMem;
use smithay::output::Output;
use smithay::reexports::wayland_protocols_wlr::screencopy::v1::server::zwlr_screencopy_frame_v1::{
    self, ZwlrScreencopyFrameV1,
};
use smithay::reexports::wayland_protocols_wlr::screencopy::v1::server::zwlr_screencopy_manager_v1::{
    self, ZwlrScreencopyManagerV1,
};
use smithay::reexports::wayland_server::protocol::wl_buffer::WlBuffer;
use smithay::reexports::wayland_server::protocol::wl_shm;
use smithay::reexports::wayland_server::{
    Client, DataInit, Dispatch, DisplayHandle, GlobalDispatch, New, Resource,
};
use smithay::utils::{Buffer as BufferCoords, Physical, Rectangle, Size};
use smithay::wayland::shm;
use tracing::{debug, warn};

use crate::state::State;

/// The version we advertise; v3 adds `buffer_done` and `linux_dmabuf`.
pub const VERSION: u32 = 3;

/// How many past frames' damage an output remembers for `copy_with_damage`; a client that
/// falls further behind gets the whole region reported as damaged, which is always correct.
const DAMAGE_HISTORY: usize = 16;

/// The pixel format we copy out: 32-bit little-endian XRGB, what grim and most clients expect.
const SHM_FORMAT: wl_shm::Format = wl_shm::Format::Xrgb8888;
const BYTES_PER_PIXEL: i32 = 4;

/// Protocol state: the global, the captures waiting for a frame, and the damage history of
/// each output.
pub struct ScreencopyState {
    pending: Vec<PendingCapture>,
    damage_history: HashMap<String, DamageHistory>,
}

/// A capture that a client asked for and that the next frame of its output will serve.
pub struct PendingCapture {
    frame: ZwlrScreencopyFrameV1,
    buffer: WlBuffer,
    output: Output,
    with_damage: bool,
}

/// Per manager object: which frame of each output its previous capture saw.
#[derive(Default)]
pub struct ManagerData {
    last_captured_frame: Mutex<HashMap<String, u64>>,
}

/// Per frame object: what it captures, and whether `copy` was already used.
pub struct FrameData {
    /// `None` when the client named an output that is gone: the frame has already failed.
    output: Option<Output>,
    /// The captured rectangle in the output's framebuffer, in pixels, top-left origin.
    region: Rectangle<i32, Physical>,
    manager: Arc<ManagerData>,
    used: Mutex<bool>,
}

#[derive(Default)]
struct DamageHistory {
    /// The number of the newest frame rendered on this output.
    newest_frame: u64,
    /// Damage of the most recent frames, newest last, as (frame number, rectangles).
    frames: VecDeque<(u64, Vec<Rectangle<i32, Physical>>)>,
}

impl DamageHistory {
    /// What a damage copy of `region` reports for a client whose previous capture saw frame
    /// `previous`: what changed in the region since, the whole region when that is not
    /// known (always correct), or `None` while nothing in it has changed.
    fn damage_for_capture(
        &self,
        previous: Option<u64>,
        region: Rectangle<i32, Physical>,
    ) -> Option<Vec<Rectangle<i32, Physical>>> {
        let Some(since) = previous.and_then(|frame| self.damage_since(frame)) else {
            return Some(vec![region]);
        };
        let clipped: Vec<_> = since
            .iter()
            .filter_map(|rect| rect.intersection(region))
            .collect();
        (!clipped.is_empty()).then_some(clipped)
    }

    /// Damage since `since_frame` (exclusive), or `None` when that is older than remembered.
    fn damage_since(&self, since_frame: u64) -> Option<Vec<Rectangle<i32, Physical>>> {
        let oldest_remembered = self.frames.front().map(|(number, _)| *number)?;
        if since_frame + 1 < oldest_remembered {
            return None;
        }
        Some(
            self.frames
                .iter()
                .filter(|(number, _)| *number > since_frame)
                .flat_map(|(_, rects)| rects.iter().copied())
                .collect(),
        )
    }
}

impl ScreencopyState {
    pub fn new(display: &DisplayHandle) -> ScreencopyState {
        display.create_global::<State, ZwlrScreencopyManagerV1, ()>(VERSION, ());
        ScreencopyState {
            pending: Vec::new(),
            damage_history: HashMap::new(),
        }
    }

    /// Whether a capture of `output` is waiting for a frame.
    pub fn has_pending(&self, output: &Output) -> bool {
        self.pending.iter().any(|capture| &capture.output == output)
    }

    /// Records a rendered frame of `output` and takes the captures it can serve: plain copies
    /// always, damage copies when their region changed since that client last looked.
    pub fn frame_rendered(
        &mut self,
        output: &Output,
        damage: Option<&[Rectangle<i32, Physical>]>,
    ) -> Vec<ReadyCapture> {
        let history = self.damage_history.entry(output.name()).or_default();
        history.newest_frame += 1;
        let frame_number = history.newest_frame;
        if let Some(damage) = damage {
            history.frames.push_back((frame_number, damage.to_vec()));
            if history.frames.len() > DAMAGE_HISTORY {
                history.frames.pop_front();
            }
        }

        let mut ready = Vec::new();
        let mut still_pending = Vec::new();
        for capture in self.pending.drain(..) {
            if &capture.output != output {
                still_pending.push(capture);
                continue;
            }
            if !capture.frame.is_alive() {
                continue;
            }
            let frame = capture.frame.clone();
            let Some(data) = frame.data::<FrameData>() else {
                continue;
            };
            let mut last_seen = match data.manager.last_captured_frame.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            let previous = last_seen.get(&output.name()).copied();
            let damage_in_region = if capture.with_damage {
                let Some(damage) = history.damage_for_capture(previous, data.region) else {
                    // Nothing changed for this client yet: wait for a later frame.
                    still_pending.push(capture);
                    continue;
                };
                Some(damage)
            } else {
                None
            };
            last_seen.insert(output.name(), frame_number);
            ready.push(ReadyCapture {
                frame: capture.frame.clone(),
                buffer: capture.buffer.clone(),
                region: data.region,
                damage: damage_in_region,
            });
        }
        self.pending = still_pending;
        ready
    }
}

/// A capture whose frame has been rendered: the backend copies the pixels with [`serve`].
pub struct ReadyCapture {
    frame: ZwlrScreencopyFrameV1,
    buffer: WlBuffer,
    region: Rectangle<i32, Physical>,
    damage: Option<Vec<Rectangle<i32, Physical>>>,
}

/// Where a framebuffer's first row lies: GL window surfaces store the bottom row first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOrder {
    TopFirst,
    BottomFirst,
}

/// Reads the framebuffer that was just rendered for each capture and sends `ready`, or
/// `failed` when reading back or writing the client's buffer does not work.
pub fn serve<R: ExportMem>(
    renderer: &mut R,
    framebuffer: &R::Framebuffer<'_>,
    framebuffer_size: Size<i32, Physical>,
    row_order: RowOrder,
    captures: Vec<ReadyCapture>,
    presented_at: Duration,
) {
    for capture in captures {
        match copy_region(renderer, framebuffer, framebuffer_size, row_order, &capture) {
            Ok(()) => {
                let flags = match row_order {
                    RowOrder::TopFirst => zwlr_screencopy_frame_v1::Flags::empty(),
                    RowOrder::BottomFirst => zwlr_screencopy_frame_v1::Flags::YInvert,
                };
                capture.frame.flags(flags);
                if let Some(damage) = &capture.damage {
                    for rect in damage {
                        let local = rect.loc - capture.region.loc;
                        capture.frame.damage(
                            local.x.max(0) as u32,
                            local.y.max(0) as u32,
                            rect.size.w.max(0) as u32,
                            rect.size.h.max(0) as u32,
                        );
                    }
                }
                let seconds = presented_at.as_secs();
                capture.frame.ready(
                    (seconds >> 32) as u32,
                    (seconds & 0xffff_ffff) as u32,
                    presented_at.subsec_nanos(),
                );
            }
            Err(reason) => {
                warn!("screencopy failed: {reason}");
                capture.frame.failed();
            }
        }
    }
}

fn copy_region<R: ExportMem>(
    renderer: &mut R,
    framebuffer: &R::Framebuffer<'_>,
    framebuffer_size: Size<i32, Physical>,
    row_order: RowOrder,
    capture: &ReadyCapture,
) -> Result<(), String> {
    let region = capture.region;
    let pixels = read_back(renderer, framebuffer, framebuffer_size, row_order, region)?;
    let row_bytes = (region.size.w * BYTES_PER_PIXEL) as usize;
    shm::with_buffer_contents_mut(&capture.buffer, |base, pool_len, info| {
        let stride = info.stride as usize;
        let offset = info.offset as usize;
        let rows = region.size.h as usize;
        let needed = offset + stride * rows.saturating_sub(1) + row_bytes;
        if needed > pool_len || stride < row_bytes {
            return Err(format!(
                "the client's buffer is too small: needs {needed} bytes, pool has {pool_len}"
            ));
        }
        // SAFETY: the range was checked against the pool's length above; the pool stays
        // mapped for the duration of this closure.
        let destination = unsafe { std::slice::from_raw_parts_mut(base, pool_len) };
        for (row, source) in pixels.chunks_exact(row_bytes).take(rows).enumerate() {
            let start = offset + row * stride;
            destination[start..start + row_bytes].copy_from_slice(source);
        }
        Ok(())
    })
    .map_err(|err| format!("the client's buffer is not accessible: {err:?}"))?
}

/// Reads `region` (top-left origin) of the framebuffer into tightly packed XRGB rows, in the
/// framebuffer's own row order.
pub fn read_back<R: ExportMem>(
    renderer: &mut R,
    framebuffer: &R::Framebuffer<'_>,
    framebuffer_size: Size<i32, Physical>,
    row_order: RowOrder,
    region: Rectangle<i32, Physical>,
) -> Result<Vec<u8>, String> {
    let y = match row_order {
        RowOrder::TopFirst => region.loc.y,
        RowOrder::BottomFirst => framebuffer_size.h - region.loc.y - region.size.h,
    };
    let source: Rectangle<i32, BufferCoords> = Rectangle::new(
        (region.loc.x, y).into(),
        (region.size.w, region.size.h).into(),
    );
    let mapping = renderer
        .copy_framebuffer(framebuffer, source, Fourcc::Xrgb8888)
        .map_err(|err| format!("reading the framebuffer back failed: {err:?}"))?;
    let bytes = renderer
        .map_texture(&mapping)
        .map_err(|err| format!("mapping the read-back pixels failed: {err:?}"))?;
    let expected = (region.size.w * region.size.h * BYTES_PER_PIXEL) as usize;
    if bytes.len() < expected {
        return Err(format!(
            "read back {} bytes, expected {expected}",
            bytes.len()
        ));
    }
    Ok(bytes[..expected].to_vec())
}

impl GlobalDispatch<ZwlrScreencopyManagerV1, ()> for State {
    fn bind(
        _state: &mut State,
        _display: &DisplayHandle,
        _client: &Client,
        manager: New<ZwlrScreencopyManagerV1>,
        _global_data: &(),
        data_init: &mut DataInit<'_, State>,
    ) {
        data_init.init(manager, Arc::new(ManagerData::default()));
    }

    /// Reading the screen is privileged (`trust.rs`).
    fn can_view(client: Client, _global_data: &()) -> bool {
        crate::trust::is_privileged(&client)
    }
}

impl Dispatch<ZwlrScreencopyManagerV1, Arc<ManagerData>> for State {
    fn request(
        _state: &mut State,
        _client: &Client,
        _manager: &ZwlrScreencopyManagerV1,
        request: zwlr_screencopy_manager_v1::Request,
        manager_data: &Arc<ManagerData>,
        _display: &DisplayHandle,
        data_init: &mut DataInit<'_, State>,
    ) {
        let (frame, wl_output, logical_region) = match request {
            zwlr_screencopy_manager_v1::Request::CaptureOutput { frame, output, .. } => {
                (frame, output, None)
            }
            zwlr_screencopy_manager_v1::Request::CaptureOutputRegion {
                frame,
                output,
                x,
                y,
                width,
                height,
                ..
            } => (
                frame,
                output,
                Some(Rectangle::new((x, y).into(), (width, height).into())),
            ),
            zwlr_screencopy_manager_v1::Request::Destroy => return,
            _ => return,
        };

        let output = Output::from_resource(&wl_output);
        let region = output.as_ref().and_then(|output| {
            let mode = output.current_mode()?;
            let full = Rectangle::from_size(mode.size);
            match logical_region {
                None => Some(full),
                // The region is upright and logical; the buffer holds the panel's pixels as
                // mounted, which the client turns by the output's transform.
                Some(logical) => {
                    crate::input::panel::panel_rect_of(output, logical)?.intersection(full)
                }
            }
        });

        let frame_data = FrameData {
            output: output.clone(),
            region: region.unwrap_or_default(),
            manager: manager_data.clone(),
            used: Mutex::new(false),
        };
        let frame = data_init.init(frame, frame_data);

        match region {
            Some(region) if !region.is_empty() => {
                frame.buffer(
                    SHM_FORMAT,
                    region.size.w as u32,
                    region.size.h as u32,
                    (region.size.w * BYTES_PER_PIXEL) as u32,
                );
                if frame.version() >= 3 {
                    frame.buffer_done();
                }
            }
            _ => {
                debug!("screencopy of a missing output or an empty region");
                frame.failed();
            }
        }
    }
}

impl Dispatch<ZwlrScreencopyFrameV1, FrameData> for State {
    fn request(
        state: &mut State,
        _client: &Client,
        frame: &ZwlrScreencopyFrameV1,
        request: zwlr_screencopy_frame_v1::Request,
        data: &FrameData,
        _display: &DisplayHandle,
        _data_init: &mut DataInit<'_, State>,
    ) {
        let (buffer, with_damage) = match request {
            zwlr_screencopy_frame_v1::Request::Copy { buffer } => (buffer, false),
            zwlr_screencopy_frame_v1::Request::CopyWithDamage { buffer } => (buffer, true),
            zwlr_screencopy_frame_v1::Request::Destroy => return,
            _ => return,
        };

        {
            let mut used = match data.used.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if *used {
                frame.post_error(
                    zwlr_screencopy_frame_v1::Error::AlreadyUsed,
                    "this frame was already used for a copy",
                );
                return;
            }
            *used = true;
        }

        let Some(output) = data.output.clone() else {
            frame.failed();
            return;
        };
        if data.region.is_empty() {
            frame.failed();
            return;
        }
        if let Err(reason) = check_buffer(&buffer, data.region.size) {
            frame.post_error(zwlr_screencopy_frame_v1::Error::InvalidBuffer, reason);
            return;
        }

        // A damage copy of a region where nothing changed since the client's last capture
        // waits for the frame that changes it: asking for a redraw would only draw (and, one
        // frame at a time, hold the display for) a frame with nothing new in it.
        let waits_for_damage = with_damage && {
            let previous = match data.manager.last_captured_frame.lock() {
                Ok(guard) => guard.get(&output.name()).copied(),
                Err(poisoned) => poisoned.into_inner().get(&output.name()).copied(),
            };
            state
                .protocols
                .screencopy
                .damage_history
                .get(&output.name())
                .is_some_and(|history| history.damage_for_capture(previous, data.region).is_none())
        };
        state.protocols.screencopy.pending.push(PendingCapture {
            frame: frame.clone(),
            buffer,
            output: output.clone(),
            with_damage,
        });
        if !waits_for_damage {
            state.queue_redraw(&output);
        }
    }
}

/// The buffer must be shm, in the format we announced, at least as large as the region.
fn check_buffer(buffer: &WlBuffer, size: Size<i32, Physical>) -> Result<(), String> {
    let info = shm::with_buffer_contents(buffer, |_, _, info| info)
        .map_err(|_| "only wl_shm buffers are supported".to_string())?;
    if !matches!(
        info.format,
        wl_shm::Format::Xrgb8888 | wl_shm::Format::Argb8888
    ) {
        return Err(format!("buffer format {:?} was not offered", info.format));
    }
    if info.width != size.w || info.height != size.h {
        return Err(format!(
            "buffer is {}x{}, the capture is {}x{}",
            info.width, info.height, size.w, size.h
        ));
    }
    if info.stride < size.w * BYTES_PER_PIXEL {
        return Err(format!("stride {} is too small", info.stride));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, w: i32, h: i32) -> Rectangle<i32, Physical> {
        Rectangle::new((x, y).into(), (w, h).into())
    }

    #[test]
    fn damage_since_collects_newer_frames_only() {
        let mut history = DamageHistory::default();
        for number in 1..=3 {
            history.newest_frame = number;
            history
                .frames
                .push_back((number, vec![rect(number as i32, 0, 1, 1)]));
        }
        assert_eq!(
            history.damage_since(1),
            Some(vec![rect(2, 0, 1, 1), rect(3, 0, 1, 1)])
        );
        assert_eq!(history.damage_since(3), Some(vec![]));
    }

    #[test]
    fn damage_since_a_forgotten_frame_is_unknown() {
        let mut history = DamageHistory::default();
        history.frames.push_back((10, vec![rect(0, 0, 1, 1)]));
        assert_eq!(history.damage_since(2), None);
        assert!(history.damage_since(9).is_some());
    }
}
