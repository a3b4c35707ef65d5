//! The simulated phone's picture: a GStreamer pipeline drawing a test pattern with the
//! phone's state written on it (videotestsrc, textoverlay) at the window's size, into an
//! appsink. The newest frame waits in a slot for the window; a ping wakes the loop. The
//! pipeline runs only while the projection holds video focus, as a phone streams its screen
//! only then.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use calloop::ping::Ping;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::VideoFrameExt;

/// One frame: GStreamer's buffer and its layout (BGRx).
pub struct Frame {
    buffer: gst::Buffer,
    info: gst_video::VideoInfo,
}

impl Frame {
    pub fn size(&self) -> (u32, u32) {
        (self.info.width(), self.info.height())
    }

    /// Copies the picture into `dest`, rows of `width * 4` bytes (XRGB8888, as BGRx is).
    pub fn copy_into(&self, dest: &mut [u8]) -> bool {
        let Ok(frame) =
            gst_video::VideoFrameRef::from_buffer_ref_readable(self.buffer.as_ref(), &self.info)
        else {
            return false;
        };
        let (Ok(source), Some(&stride)) = (frame.plane_data(0), frame.plane_stride().first())
        else {
            return false;
        };
        let row = self.info.width() as usize * 4;
        let Ok(stride) = usize::try_from(stride) else {
            return false;
        };
        if stride < row {
            return false;
        }
        for (from, to) in source.chunks(stride).zip(dest.chunks_mut(row)) {
            if from.len() < row || to.len() < row {
                return false;
            }
            to.copy_from_slice(&from[..row]);
        }
        true
    }
}

pub struct Screen {
    pipeline: gst::Pipeline,
    source: gst::Element,
    size: gst::Element,
    label: gst::Element,
    pub latest: Arc<Mutex<Option<Frame>>>,
    playing: bool,
}

impl Screen {
    pub fn new(wake: Ping) -> Result<Screen> {
        gst::init().context("GStreamer")?;
        let pipeline = gst::parse::launch(
            "videotestsrc name=source is-live=true pattern=smpte \
             ! capsfilter name=size caps=video/x-raw,width=800,height=480,framerate=30/1 \
             ! textoverlay name=label font-desc=\"Sans Bold 28\" valignment=center \
               halignment=center shaded-background=true \
             ! videoconvert ! appsink name=screen caps=video/x-raw,format=BGRx \
               max-buffers=1 drop=true",
        )
        .context("the phone screen's pipeline (is gstreamer1.0-x, for textoverlay, installed?)")?
        .downcast::<gst::Pipeline>()
        .map_err(|_| anyhow!("the phone screen is not a pipeline"))?;
        let element = |name: &str| {
            pipeline
                .by_name(name)
                .ok_or_else(|| anyhow!("the phone screen has no {name}"))
        };
        let (source, size, label) = (element("source")?, element("size")?, element("label")?);
        let sink = element("screen")?
            .downcast::<gst_app::AppSink>()
            .map_err(|_| anyhow!("the phone screen's sink is no appsink"))?;
        let latest: Arc<Mutex<Option<Frame>>> = Arc::default();
        let slot = latest.clone();
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
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(Frame { buffer, info });
                    }
                    wake.ping();
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        Ok(Screen {
            pipeline,
            source,
            size,
            label,
            latest,
            playing: false,
        })
    }

    /// Draws at this size from the next frame on.
    pub fn resize(&self, width: u32, height: u32) {
        let caps = gst_video::VideoCapsBuilder::new()
            .width(width.max(16) as i32)
            .height(height.max(16) as i32)
            .framerate(gst::Fraction::new(30, 1))
            .build();
        self.size.set_property("caps", &caps);
    }

    /// What the phone shows: its text, and a pattern for its mode.
    pub fn show(&self, text: &str, calling: bool) {
        self.label.set_property("text", text);
        self.source
            .set_property_from_str("pattern", if calling { "ball" } else { "smpte" });
    }

    /// Streams (true) or holds its last picture (false).
    pub fn stream(&mut self, on: bool) -> Result<()> {
        if on == self.playing {
            return Ok(());
        }
        let target = if on {
            gst::State::Playing
        } else {
            gst::State::Paused
        };
        self.pipeline
            .set_state(target)
            .map_err(|err| anyhow!("the phone screen does not change state: {err}"))?;
        self.playing = on;
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
