//! The simulated phone's picture: a GStreamer pipeline drawing a test pattern with the
//! phone's state written on it (videotestsrc, textoverlay) at the window's size, into an
//! appsink. The newest frame waits in a slot for the window; a ping wakes the loop. The
//! pipeline runs only while the projection holds video focus, as a phone streams its screen
//! only then. A pipeline error is handed to the loop, which restarts the pipeline: a phone
//! whose stream stopped would leave the projection blank for good.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use calloop::channel::Sender;
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
    /// `wake` is pinged for every new frame; `failed` gets what stopped the stream.
    pub fn new(wake: Ping, failed: Sender<String>) -> Result<Screen> {
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
        // Errors go to the loop; nobody reads the rest, which would pile up on the bus.
        if let Some(bus) = pipeline.bus() {
            bus.set_sync_handler(move |_, message| {
                if let gst::MessageView::Error(err) = message.view() {
                    let source = err.src().map(|src| src.name().to_string());
                    let _ = failed.send(format!(
                        "{}: {}",
                        source.as_deref().unwrap_or("the pipeline"),
                        err.error()
                    ));
                }
                gst::BusSyncReply::Drop
            });
        }
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

    /// Draws at this size from the next frame on. Caps changed under a running source can
    /// race its negotiation (seen under load: "not-negotiated", and the stream stops), so the
    /// pipeline is stopped for the change and put back as it was.
    pub fn resize(&self, width: u32, height: u32) -> Result<()> {
        let caps = gst_video::VideoCapsBuilder::new()
            .width(width.max(16) as i32)
            .height(height.max(16) as i32)
            .framerate(gst::Fraction::new(30, 1))
            .build();
        if self.size.property::<gst::Caps>("caps") == caps {
            return Ok(());
        }
        self.stop()?;
        self.size.set_property("caps", &caps);
        self.resume()
    }

    /// Starts the pipeline again from nothing (after an error), as it was.
    pub fn restart(&self) -> Result<()> {
        self.stop()?;
        self.resume()
    }

    fn stop(&self) -> Result<()> {
        self.pipeline
            .set_state(gst::State::Null)
            .map_err(|err| anyhow!("the phone screen does not stop: {err}"))?;
        Ok(())
    }

    fn resume(&self) -> Result<()> {
        let target = if self.playing {
            gst::State::Playing
        } else {
            gst::State::Paused
        };
        self.pipeline
            .set_state(target)
            .map_err(|err| anyhow!("the phone screen does not change state: {err}"))?;
        Ok(())
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
        self.playing = on;
        let changed = self.resume();
        if changed.is_err() {
            self.playing = !on;
        }
        changed
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
