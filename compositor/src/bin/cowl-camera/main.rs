//! cowl-camera: the rear camera's GStreamer pipeline, in a process of its own. Cowl starts
//! it at start-up with the configured pipeline and its end of the link on file descriptor 3
//! (`cowl::camera::link`), and keeps it running so that reverse never waits for a camera to
//! open. The pipeline ends in an appsink named `camera`, asked for BGRx. The newest frame is
//! kept as GStreamer's buffer; while Cowl shows the camera, each new frame is copied into
//! the shared memfd and announced, and when Cowl turns the camera on, the newest frame is
//! sent at once. While the camera is not shown, it tells Cowl that frames still come, about
//! once a second (`Alive`), so that Cowl can replace a helper whose pipeline has stalled
//! before the driver needs the camera.
//!
//! It never restarts anything itself: a pipeline error or end of stream ends the process
//! (exit status 1), and Cowl starts a new one after a delay that grows while it keeps
//! failing. When Cowl goes away (the link closes, or the death signal Cowl set) it stops the
//! pipeline and exits.

use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use clap::Parser;
use cowl::camera::link::{self, CowlMessage, FrameFormat, FrameWriter, LinkError};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::VideoFrameExt;
use tracing::{info, warn};

/// Slots in the shared file: the one Cowl may be copying, the newest, and the one being
/// written.
const SLOTS: u32 = 3;

#[derive(Parser)]
#[command(
    version,
    about = "Runs the rear camera's pipeline for cowl (started by cowl)"
)]
struct Cli {
    /// A GStreamer pipeline ending in `appsink name=camera`.
    pipeline: String,
    /// The link to cowl, a seqpacket socket.
    #[arg(long, default_value_t = link::HELPER_SOCKET_FD)]
    socket_fd: i32,
}

fn main() -> ExitCode {
    // Its standard error is Cowl's log (no terminal: no colours).
    cowl_sdk::logging::init("info");
    let cli = Cli::parse();
    let socket = match link_socket(cli.socket_fd) {
        Ok(socket) => Arc::new(socket),
        Err(err) => {
            warn!("no link to cowl on descriptor {}: {err}", cli.socket_fd);
            return ExitCode::from(2);
        }
    };
    match run(&cli.pipeline, socket) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            warn!("camera: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Takes descriptor `fd`, after checking that it is a socket (and so was handed over).
fn link_socket(fd: i32) -> Result<OwnedFd, String> {
    if fd < 0 {
        return Err("not a descriptor".into());
    }
    // SAFETY: only looked at here; fstat on a descriptor that is not open fails cleanly.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let stat = rustix::fs::fstat(borrowed).map_err(|err| err.to_string())?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::Socket {
        return Err("not a socket".into());
    }
    // SAFETY: an open socket that cowl handed us at exec; nothing else in this process owns
    // it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Plays the pipeline until it fails or cowl goes away.
fn run(description: &str, socket: Arc<OwnedFd>) -> Result<(), String> {
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
    let publisher = Arc::new(Mutex::new(Publisher::new(socket.clone())));
    let sink_publisher = publisher.clone();
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
                lock(&sink_publisher).offer(buffer, info);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );

    // Cowl's messages: whether the camera is shown. The link closing means cowl is gone.
    let reader_pipeline = pipeline.clone();
    let reader_publisher = publisher.clone();
    std::thread::spawn(move || {
        loop {
            match link::receive_from_cowl(socket.as_fd()) {
                Ok(CowlMessage::Watch(on)) => lock(&reader_publisher).watch(on),
                Err(err) => {
                    if !matches!(err, LinkError::Closed) {
                        warn!("link to cowl: {err}");
                    }
                    let _ = reader_pipeline.set_state(gst::State::Null);
                    std::process::exit(0);
                }
            }
        }
    });

    pipeline
        .set_state(gst::State::Playing)
        .map_err(|err| format!("the camera pipeline does not play: {err}"))?;
    info!(pipeline = description, "camera running");
    let bus = pipeline.bus().ok_or("the pipeline has no bus")?;
    let outcome = match bus.timed_pop_filtered(
        gst::ClockTime::NONE,
        &[gst::MessageType::Error, gst::MessageType::Eos],
    ) {
        Some(message) => match message.view() {
            gst::MessageView::Error(error) => Err(format!(
                "pipeline error from {}: {} ({:?})",
                error
                    .src()
                    .map(|source| source.path_string().to_string())
                    .unwrap_or_default(),
                error.error(),
                error.debug()
            )),
            _ => Err("the pipeline ended".to_string()),
        },
        None => Err("the pipeline's bus closed".to_string()),
    };
    let _ = pipeline.set_state(gst::State::Null);
    outcome
}

fn lock(publisher: &Mutex<Publisher>) -> std::sync::MutexGuard<'_, Publisher> {
    publisher.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The newest frame, and what cowl has been told.
struct Publisher {
    socket: Arc<OwnedFd>,
    newest: Option<Newest>,
    watched: bool,
    writer: Option<FrameWriter>,
    sequence: u64,
    /// When cowl was last told that the pipeline delivers.
    said_alive: Option<Instant>,
}

struct Newest {
    buffer: gst::Buffer,
    info: gst_video::VideoInfo,
    arrived: Instant,
}

impl Publisher {
    fn new(socket: Arc<OwnedFd>) -> Self {
        Self {
            socket,
            newest: None,
            watched: false,
            writer: None,
            sequence: 0,
            said_alive: None,
        }
    }

    /// A new frame from the pipeline: kept, and sent while the camera is shown.
    fn offer(&mut self, buffer: gst::Buffer, info: gst_video::VideoInfo) {
        self.newest = Some(Newest {
            buffer,
            info,
            arrived: Instant::now(),
        });
        if self.watched {
            self.publish();
        } else if self
            .said_alive
            .is_none_or(|said| said.elapsed() >= link::ALIVE_EVERY)
        {
            self.say_alive();
        }
    }

    /// Tells cowl that the pipeline delivers frames (a closed link is the reader's to see).
    fn say_alive(&mut self) {
        self.said_alive = Some(Instant::now());
        if let Err(err) = link::send_alive(self.socket.as_fd()) {
            warn!("could not tell cowl the camera is alive: {err}");
        }
    }

    fn watch(&mut self, on: bool) {
        self.watched = on;
        if on {
            self.publish();
        }
    }

    /// Copies the newest frame into the next slot and tells cowl. A frame that cannot be
    /// read as its caps say is skipped.
    fn publish(&mut self) {
        let Some(newest) = &self.newest else {
            return;
        };
        let Ok(frame) = gst_video::VideoFrameRef::from_buffer_ref_readable(
            newest.buffer.as_ref(),
            &newest.info,
        ) else {
            warn!("a camera frame could not be read");
            return;
        };
        let (Ok(pixels), Some(&stride)) = (frame.plane_data(0), frame.plane_stride().first())
        else {
            warn!("a camera frame has no pixels");
            return;
        };
        let Ok(stride) = usize::try_from(stride) else {
            return;
        };
        let format = FrameFormat::packed(frame.width(), frame.height(), SLOTS);
        if self.writer.as_ref().map(FrameWriter::format) != Some(format) {
            self.writer = None;
            let writer = match FrameWriter::create(format) {
                Ok(writer) => writer,
                Err(err) => {
                    warn!("no shared memory for {format:?}: {err}");
                    return;
                }
            };
            if let Err(err) = link::send_format(self.socket.as_fd(), format, writer.fd()) {
                warn!("could not send the frame format to cowl: {err}");
                return;
            }
            self.writer = Some(writer);
        }
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        self.sequence += 1;
        let Some(slot) = writer.write(self.sequence, pixels, stride) else {
            warn!("a camera frame is smaller than its caps say");
            return;
        };
        let age = newest.arrived.elapsed();
        // With cowl behind, the frame is dropped; the link closing is the reader's to see.
        let _ = link::send_frame(self.socket.as_fd(), slot, self.sequence, age);
    }
}
