//! libinput: the seat's devices once the first frame is out, touchscreens mapped to their
//! outputs (configuration, udev's WL_OUTPUT, else the first) and calibrated, events to the
//! seat.

use smithay::backend::input::{Device as _, InputEvent};
use smithay::backend::libinput::LibinputInputBackend;
use smithay::backend::session::Session;
use smithay::reexports::input::Libinput;
use tracing::{debug, info, warn};

use crate::backend::Backend;
use crate::state::State;

impl State {
    /// Takes the seat's input devices (libinput enumerates and opens them). Called once the
    /// first frame is out (startup.rs): on a slow SoC this is a large share of start-up, and
    /// nobody touches a screen before it shows something. A failure leaves Cowl without
    /// input, logged; the screens and the camera go on.
    /// While the session is paused they are taken at resume instead, and a failure is tried
    /// again there too.
    pub fn drm_take_input_devices(&mut self) {
        if let Backend::Drm(drm) = &self.backend
            && drm.active
        {
            self.drm_assign_input_seat();
        }
    }

    /// libinput takes the seat's devices, unless it has them.
    pub(super) fn drm_assign_input_seat(&mut self) {
        let Backend::Drm(drm) = &mut self.backend else {
            return;
        };
        if drm.input_taken {
            return;
        }
        let seat = drm.session.seat();
        let mut libinput = drm.libinput.clone();
        if libinput.udev_assign_seat(&seat).is_err() {
            warn!(
                seat,
                "libinput could not take the seat's input devices: no touch, no keys until \
                 the session is resumed"
            );
            return;
        }
        drm.input_taken = true;
        self.startup.reached("input");
        // libinput queued the devices it found when the seat was assigned, but its fd only
        // wakes the loop for what happens later: without this, a touchscreen present now
        // would be announced at its first touch, unmapped until then.
        self.drm_take_queued_devices(&mut libinput);
    }

    /// libinput's events: devices are mapped to outputs as they appear, everything else goes
    /// to the seat.
    pub(super) fn drm_input_event(&mut self, event: InputEvent<LibinputInputBackend>) {
        match &event {
            InputEvent::DeviceAdded { device } => self.drm_input_device_added(device.clone()),
            InputEvent::DeviceRemoved { device } => {
                if let Backend::Drm(drm) = &mut self.backend {
                    drm.input_outputs.remove(&device.id());
                }
            }
            _ => {}
        }
        self.process_input_event(event);
    }

    /// The device events libinput queued without waking its fd (when the seat was assigned,
    /// when the session resumed), handled as if they had come through the event loop. Input
    /// events cannot be among them: libinput had no devices open before.
    pub(super) fn drm_take_queued_devices(&mut self, libinput: &mut Libinput) {
        use smithay::reexports::input::event::{DeviceEvent, Event, EventTrait};
        if let Err(err) = libinput.dispatch() {
            warn!("libinput: {err}");
        }
        for event in libinput {
            match event {
                Event::Device(DeviceEvent::Added(added)) => {
                    self.drm_input_event(InputEvent::DeviceAdded {
                        device: added.device(),
                    });
                }
                Event::Device(DeviceEvent::Removed(removed)) => {
                    self.drm_input_event(InputEvent::DeviceRemoved {
                        device: removed.device(),
                    });
                }
                _ => debug!("an input event queued before its device was announced: dropped"),
            }
        }
    }

    pub(super) fn drm_input_device_added(&mut self, mut device: smithay::reexports::input::Device) {
        let name = device.name().to_string();
        let configured = self
            .config
            .touchscreens
            .iter()
            .find(|touchscreen| touchscreen.name.get_ref() == &name);
        if let Some(matrix) = configured.and_then(|t| t.calibration.as_ref())
            && device
                .config_calibration_set_matrix(*matrix.get_ref())
                .is_err()
        {
            warn!(device = name, "this device takes no calibration matrix");
        }
        // SAFETY: the udev device is only read here, while libinput holds the device.
        let udev_output = unsafe { device.udev_device() }.and_then(|udev| {
            udev.property_value("WL_OUTPUT")
                .map(|value| value.to_string_lossy().into_owned())
        });
        let output = configured
            .and_then(|t| t.output.as_ref().map(|o| o.get_ref().clone()))
            .or(udev_output);
        let Some(output) = output else {
            info!(device = %name, "input device");
            return;
        };
        info!(device = %name, output = %output, "input device mapped to its output");
        if let Backend::Drm(drm) = &mut self.backend {
            drm.input_outputs
                .insert(device.sysname().to_string(), output);
        }
    }
}
