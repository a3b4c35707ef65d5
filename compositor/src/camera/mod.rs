//! The rear camera: a GStreamer pipeline inside the compositor (`[camera] pipeline`, ending in
//! an appsink named `camera` that yields BGRx), started and kept running from start-up so
//! that reverse never waits for it. Its newest frame is kept; while the gear is R the chrome
//! shows it full screen above everything, with guide lines, and a "Camera unavailable"
//! screen when no frame has come for `CAMERA_TIMEOUT`. Nothing here depends on an app or on
//! D-Bus.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use smithay::reexports::calloop::ping;
use tracing::{info, warn};

use crate::state::State;

/// With no frame for this long after reverse (or since the last one), the fallback shows.
pub const CAMERA_TIMEOUT: Duration = Duration::from_millis(500);

/// One camera frame: BGRx rows of `stride` bytes.
#[derive(Debug)]
pub struct CameraFrame {
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub data: Vec<u8>,
    /// Counts frames, so that a new one tells itself apart.
    pub sequence: u64,
    pub arrived: Instant,
}

#[derive(Default)]
pub struct Camera {
    pipeline: Option<gst::Pipeline>,
    latest: Arc<Mutex<Option<Arc<CameraFrame>>>>,
}

impl Camera {
    /// The newest frame, if one has come.
    pub fn frame(&self) -> Option<Arc<CameraFrame>> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        if let Some(pipeline) = &self.pipeline {
            let _ = pipeline.set_state(gst::State::Null);
        }
    }
}

/// Builds and plays the pipeline; a pipeline that cannot start is logged, and reverse then
/// shows the fallback screen.
pub fn start(state: &mut State, description: &str) {
    let (ping, source) = match ping::make_ping() {
        Ok(pair) => pair,
        Err(err) => {
            warn!("camera unavailable: {err}");
            return;
        }
    };
    let inserted = state.loop_handle.insert_source(source, |_, _, state| {
        if state.reversing() {
            state.queue_redraw_all();
        }
    });
    if let Err(err) = inserted {
        warn!("camera unavailable: {err}");
        return;
    }
    match build(description, state.camera.latest.clone(), ping) {
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
    wake: ping::Ping,
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
    sink.set_property("max-buffers", 1u32);
    sink.set_property("drop", true);
    let mut sequence = 0;
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let Some(structure) = caps.structure(0) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let (Ok(width), Ok(height)) = (
                    structure.get::<i32>("width"),
                    structure.get::<i32>("height"),
                ) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                let (width, height) = (width.max(0) as u32, height.max(0) as u32);
                let stride = map.len() / height.max(1) as usize;
                if stride < width as usize * 4 {
                    return Ok(gst::FlowSuccess::Ok);
                }
                sequence += 1;
                let frame = CameraFrame {
                    width,
                    height,
                    stride,
                    data: map.as_slice().to_vec(),
                    sequence,
                    arrived: Instant::now(),
                };
                if let Ok(mut latest) = latest.lock() {
                    *latest = Some(Arc::new(frame));
                }
                wake.ping();
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
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

    /// The camera frame to show now, or `None` for the fallback screen: none came since
    /// reverse began, or the last is older than `CAMERA_TIMEOUT`.
    pub fn camera_frame_to_show(&self) -> Option<Arc<CameraFrame>> {
        self.camera
            .frame()
            .filter(|frame| frame.arrived.elapsed() < CAMERA_TIMEOUT)
    }
}
