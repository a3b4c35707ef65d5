//! The rear camera: a GStreamer pipeline inside the compositor (`[camera] pipeline`, ending in
//! an appsink named `camera`, which Cowl asks for BGRx), started at start-up and kept running
//! so that reverse never waits for it. The newest frame is kept as GStreamer's own buffer (no
//! copy, and no wake-up of the loop, while nobody looks); while the gear is R the chrome shows it full screen above
//! everything ([`view`]), and a "Camera unavailable" screen when no frame has come for
//! `CAMERA_TIMEOUT`. A pipeline that fails (a camera unplugged, a driver error) is restarted
//! with a growing delay. Nothing here depends on an app or on D-Bus.

pub mod view;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::VideoFrameExt;
use smithay::reexports::calloop::ping;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use tracing::{info, warn};

use crate::state::State;

/// With no frame for this long after reverse (or since the last one), the fallback shows.
pub const CAMERA_TIMEOUT: Duration = Duration::from_millis(500);

/// After a pipeline error, the first restart waits this long; each failure in a row doubles
/// it, up to `RESTART_DELAY_MAX`.
const RESTART_DELAY: Duration = Duration::from_millis(500);
const RESTART_DELAY_MAX: Duration = Duration::from_secs(8);

/// One camera frame: GStreamer's buffer and its layout (BGRx, strides from the caps or the
/// buffer's VideoMeta).
#[derive(Debug)]
pub struct CameraFrame {
    buffer: gst::Buffer,
    info: gst_video::VideoInfo,
    /// Counts frames, so that a new one tells itself apart.
    pub sequence: u64,
    pub arrived: Instant,
}

impl CameraFrame {
    pub fn width(&self) -> u32 {
        self.info.width()
    }

    pub fn height(&self) -> u32 {
        self.info.height()
    }

    /// Copies the picture into `dest`, rows of `dest_stride` bytes (4 bytes a pixel, as the
    /// frame's). False when the buffer cannot be read as its caps say.
    pub fn copy_into(&self, dest: &mut [u8], dest_stride: usize) -> bool {
        let Ok(frame) =
            gst_video::VideoFrameRef::from_buffer_ref_readable(self.buffer.as_ref(), &self.info)
        else {
            return false;
        };
        let (Ok(source), Some(&stride)) = (frame.plane_data(0), frame.plane_stride().first())
        else {
            return false;
        };
        let row_bytes = self.width() as usize * 4;
        let Ok(stride) = usize::try_from(stride) else {
            return false;
        };
        if row_bytes > dest_stride || stride < row_bytes {
            return false;
        }
        for (row, out) in source
            .chunks(stride)
            .zip(dest.chunks_mut(dest_stride))
            .take(self.height() as usize)
        {
            if row.len() < row_bytes {
                return false;
            }
            out[..row_bytes].copy_from_slice(&row[..row_bytes]);
        }
        true
    }
}

#[derive(Default)]
pub struct Camera {
    pipeline: Option<gst::Pipeline>,
    latest: Arc<Mutex<Option<Arc<CameraFrame>>>>,
    /// The camera is on screen: only then does a new frame wake the loop (out of R the
    /// pipeline runs for a quick start, and the compositor sleeps).
    watched: Arc<AtomicBool>,
    /// Failures in a row, for the restart delay; reset when a frame came since the last
    /// restart.
    failures: u32,
    restart_pending: bool,
    restarted_at: Option<Instant>,
}

impl Camera {
    /// The newest frame, if one has come.
    pub fn frame(&self) -> Option<Arc<CameraFrame>> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }

    /// Whether new frames wake the loop to be drawn (the camera is on screen).
    pub fn watch(&self, on: bool) {
        self.watched.store(on, Ordering::Relaxed);
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        if let Some(pipeline) = &self.pipeline {
            let _ = pipeline.set_state(gst::State::Null);
        }
    }
}

/// Builds and plays the pipeline; a pipeline that cannot be built is logged, and reverse then
/// shows the fallback screen.
pub fn start(state: &mut State, description: &str) {
    let (frame_ping, frame_source) = match ping::make_ping() {
        Ok(pair) => pair,
        Err(err) => {
            warn!("camera unavailable: {err}");
            return;
        }
    };
    let (bus_ping, bus_source) = match ping::make_ping() {
        Ok(pair) => pair,
        Err(err) => {
            warn!("camera unavailable: {err}");
            return;
        }
    };
    let frames = state
        .loop_handle
        .insert_source(frame_source, |_, _, state| {
            if state.camera_due() {
                state.queue_redraw_all();
            }
        });
    let messages = state
        .loop_handle
        .insert_source(bus_source, |_, _, state| state.camera_bus_messages());
    if let Err(err) = frames.and(messages) {
        warn!("camera unavailable: {err}");
        return;
    }
    match build(
        description,
        state.camera.latest.clone(),
        state.camera.watched.clone(),
        frame_ping,
        bus_ping,
    ) {
        Ok(pipeline) => {
            info!(pipeline = description, "camera running");
            state.camera.pipeline = Some(pipeline);
        }
        Err(err) => warn!("camera unavailable: {err}"),
    }
}

fn build(
    description: &str,
    latest: Arc<Mutex<Option<Arc<CameraFrame>>>>,
    watched: Arc<AtomicBool>,
    wake: ping::Ping,
    bus_wake: ping::Ping,
) -> Result<gst::Pipeline, String> {
    gst::init().map_err(|err| format!("GStreamer: {err}"))?;
    let pipeline = gst::parse::launch(description)
        .map_err(|err| format!("{description}: {err}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "the camera description is not a pipeline".to_string())?;
    let sink = pipeline
        .by_name("camera")
        .and_then(|element| element.downcast::<gst_app::AppSink>().ok())
        .ok_or("the camera pipeline has no appsink named camera")?;
    sink.set_caps(Some(
        &gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::Bgrx)
            .build(),
    ));
    // The newest frame only: a late one is worth nothing to a driver backing up.
    sink.set_max_buffers(1);
    sink.set_drop(true);
    let mut sequence = 0;
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let (Some(buffer), Some(caps)) = (sample.buffer_owned(), sample.caps()) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Ok(info) = gst_video::VideoInfo::from_caps(caps) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                sequence += 1;
                let frame = CameraFrame {
                    buffer,
                    info,
                    sequence,
                    arrived: Instant::now(),
                };
                if let Ok(mut latest) = latest.lock() {
                    *latest = Some(Arc::new(frame));
                }
                if watched.load(Ordering::Relaxed) {
                    wake.ping();
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    // Errors and end of stream wake the loop, which restarts the pipeline; the message stays
    // on the bus for the loop to read.
    if let Some(bus) = pipeline.bus() {
        bus.set_sync_handler(move |_, message| {
            if matches!(
                message.view(),
                gst::MessageView::Error(_) | gst::MessageView::Eos(_)
            ) {
                bus_wake.ping();
            }
            gst::BusSyncReply::Pass
        });
    }
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|err| format!("the camera pipeline does not play: {err}"))?;
    Ok(pipeline)
}

impl State {
    /// Whether the camera is due: the gear is R.
    pub fn reversing(&self) -> bool {
        matches!(
            self.car.store.get(cowl_sdk::vehicle::names::CURRENT_GEAR, self.car_now()),
            Some(cowl::vehicle::properties::PropertyValue::String(gear)) if gear == "R"
        )
    }

    /// Whether the camera is on screen: in R, once the phone projection (if it had the
    /// screen) has let go of it or the handover has timed out.
    pub fn camera_due(&self) -> bool {
        self.reversing() && !self.camera_handing_over()
    }

    /// The camera frame to show now, or `None` for the fallback screen: none came since
    /// reverse began, or the last is older than `CAMERA_TIMEOUT`.
    pub fn camera_frame_to_show(&self) -> Option<Arc<CameraFrame>> {
        self.camera
            .frame()
            .filter(|frame| frame.arrived.elapsed() < CAMERA_TIMEOUT)
    }

    /// Reads the pipeline's errors and end of stream, and restarts it after a delay that
    /// grows while it keeps failing. Meanwhile frames stop, and reverse shows the fallback.
    fn camera_bus_messages(&mut self) {
        let Some(pipeline) = self.camera.pipeline.clone() else {
            return;
        };
        let Some(bus) = pipeline.bus() else {
            return;
        };
        let mut failed = false;
        while let Some(message) =
            bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Eos])
        {
            match message.view() {
                gst::MessageView::Error(error) => warn!(
                    source = ?error.src().map(|source| source.path_string()),
                    debug = ?error.debug(),
                    "camera pipeline error: {}",
                    error.error()
                ),
                _ => warn!("the camera pipeline ended"),
            }
            failed = true;
        }
        if failed {
            self.camera_restart_later(pipeline);
        }
    }

    /// Stops the pipeline and plays it again after the restart delay.
    fn camera_restart_later(&mut self, pipeline: gst::Pipeline) {
        if self.camera.restart_pending {
            return;
        }
        let _ = pipeline.set_state(gst::State::Null);
        // A pipeline that delivered frames since its last restart starts counting again.
        let delivered = self.camera.frame().is_some_and(|frame| {
            self.camera
                .restarted_at
                .is_none_or(|restarted| frame.arrived > restarted)
        });
        if delivered {
            self.camera.failures = 0;
        }
        let delay = RESTART_DELAY
            .saturating_mul(1 << self.camera.failures.min(5))
            .min(RESTART_DELAY_MAX);
        self.camera.failures = self.camera.failures.saturating_add(1);
        self.camera.restart_pending = true;
        let restart =
            self.loop_handle
                .insert_source(Timer::from_duration(delay), move |_, _, state| {
                    state.camera.restart_pending = false;
                    state.camera.restarted_at = Some(Instant::now());
                    info!("restarting the camera pipeline");
                    if let Err(err) = pipeline.set_state(gst::State::Playing) {
                        warn!("the camera pipeline does not play: {err}");
                        state.camera_restart_later(pipeline.clone());
                    }
                    TimeoutAction::Drop
                });
        if let Err(err) = restart {
            self.camera.restart_pending = false;
            warn!("could not schedule the camera's restart: {err}");
        }
    }
}
