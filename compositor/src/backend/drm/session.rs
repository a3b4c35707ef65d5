//! The seat session: paused (VT switch, seatd handing the seat on), the device and input are
//! released; resumed, they are taken back and every display drawn anew.

use anyhow::Result;
use smithay::backend::session::Session;
use smithay::backend::session::libseat::LibSeatSession;
use tracing::{error, info, warn};

use super::device::Gpu;
use super::device::seat_gpu;
use crate::backend::Backend;
use crate::state::State;

/// Lets a removed display controller go: its renderer and device, then the seat's hold on
/// it (seatd keeps a file of every device it opened for us until we close it).
pub(super) fn release_gpu(session: &mut LibSeatSession, gpu: Gpu) {
    let device = gpu.fd.device_fd();
    drop(gpu);
    let owned: Result<std::os::fd::OwnedFd, _> = device.try_into();
    match owned {
        Ok(fd) => {
            if let Err(err) = session.close(fd) {
                warn!("the seat could not close the removed display controller: {err}");
            }
        }
        Err(_) => warn!(
            "the removed display controller is still in use; the seat keeps it open, and its \
             successor will get new device and connector names"
        ),
    }
}

impl State {
    pub(super) fn drm_session_paused(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        info!("session paused: releasing the displays and input devices");
        drm.active = false;
        drm.libinput.suspend();
        if let Some(gpu) = &mut drm.gpu {
            gpu.drm.pause();
        }
    }

    pub(super) fn drm_session_resumed(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        info!("session resumed: taking the displays and input devices back");
        if !drm.input_taken {
            // Paused when the first frame's devices were due, or they could not be taken:
            // take them now, unless start-up has not got that far (it takes them itself).
            if self.startup.after_first_frame_begun() {
                self.drm_assign_input_seat();
            }
        } else {
            if drm.libinput.resume().is_err() {
                warn!("libinput could not take the input devices back");
            }
            // As at start, libinput has queued the devices it opened again without waking
            // its fd: until something else woke it, the touchscreen would stay unmapped
            // and dead.
            let mut libinput = drm.libinput.clone();
            self.drm_take_queued_devices(&mut libinput);
        }
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        // A removed controller has nothing to take back; one that appeared meanwhile (or is
        // there now) is taken below.
        if let Some(gpu) = &mut drm.gpu
            && let Err(err) = gpu.drm.activate(false)
        {
            error!("could not take the display controller back: {err}");
            return;
        }
        drm.active = true;
        if drm.gpu.is_none() {
            let seat = drm.session.seat();
            if let Some(path) = seat_gpu(&seat) {
                self.drm_take_gpu(&path);
            }
            return;
        }
        for output in &mut drm.outputs {
            // A flip queued before the pause never completes: its frame was not seen.
            output.flip_pending = false;
            if let Some(mut feedback) = output.feedback_in_flight.take() {
                feedback.discarded();
            }
            output.scanout.reset_state();
        }
        // Displays may have changed while we were away.
        self.drm_scan_connectors();
    }
}
