//! SocketCAN: each configured bus is a non-blocking CAN FD socket on the event loop, with
//! kernel filters for exactly the ids its DBC describes (the kernel drops the rest) and error
//! frames on, which set the bus's state (error-active, error-passive, bus-off). Frames carry
//! the kernel's receive time, from which their values' staleness counts. A socket that
//! fails (the interface went down or away) is closed and reopened with backoff; where the
//! kernel has no AF_CAN or the interface does not exist, "SocketCAN unavailable: <reason>" is
//! logged and Cowl runs on without that bus's data.
//!
//! At most `FRAMES_PER_WAKE` frames are read per wake: a flooded bus leaves its backlog in
//! the socket's bounded kernel buffer and never stalls the loop or grows a queue of ours.

use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

use crate::vehicle_signals::decode::FrameId;
use smithay::reexports::calloop::generic::Generic;
use smithay::reexports::calloop::timer::{TimeoutAction, Timer};
use smithay::reexports::calloop::{Interest, Mode, PostAction};
use socketcan::id::{CAN_EFF_FLAG, CAN_EFF_MASK, CAN_ERR_FLAG, CAN_RTR_FLAG, CAN_SFF_MASK};
use socketcan::{CanAnyFrame, CanFdSocket, CanFilter, EmbeddedFrame, Frame, Socket, SocketOptions};
use tracing::{info, warn};

use crate::state::State;

const FRAMES_PER_WAKE: usize = 1000;
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Error classes of an error frame's id (linux/can/error.h).
const ERR_CRTL: u32 = 0x004;
const ERR_BUSOFF: u32 = 0x040;
const ERR_RESTARTED: u32 = 0x100;
/// Controller states in data[1] of a CAN_ERR_CRTL frame.
const CRTL_RX_PASSIVE: u8 = 0x10;
const CRTL_TX_PASSIVE: u8 = 0x20;
const CRTL_ACTIVE: u8 = 0x40;

/// A bus's state as Vehicle1's BusStates shows it.
pub const ERROR_ACTIVE: &str = "error-active";
pub const ERROR_PASSIVE: &str = "error-passive";
pub const BUS_OFF: &str = "bus-off";
pub const DOWN: &str = "down";
pub const UNAVAILABLE: &str = "unavailable";

/// One bus to keep open.
#[derive(Debug, Clone)]
pub struct Link {
    pub interface: String,
    pub ids: Vec<FrameId>,
    retry: Duration,
    /// The last failure was logged: retries of the same stay quiet.
    reported: bool,
}

impl Link {
    pub fn new(interface: String, ids: Vec<FrameId>) -> Link {
        Link {
            interface,
            ids,
            retry: FIRST_RETRY,
            reported: false,
        }
    }
}

/// Whether the interface is up, from sysfs; `None` when it cannot be told.
fn is_up(interface: &str) -> Option<bool> {
    let flags = std::fs::read_to_string(format!("/sys/class/net/{interface}/flags")).ok()?;
    let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).ok()?;
    // IFF_UP
    Some(flags & 0x1 != 0)
}

fn open(link: &Link) -> std::io::Result<CanFdSocket> {
    // A socket bound to a down interface only reports ENETDOWN: wait for it to come up.
    if is_up(&link.interface) == Some(false) {
        return Err(std::io::Error::new(
            ErrorKind::NetworkDown,
            "the interface is down",
        ));
    }
    let socket = CanFdSocket::open(&link.interface)?;
    socket.set_nonblocking(true)?;
    let filters: Vec<CanFilter> = link
        .ids
        .iter()
        .map(|id| {
            if id.extended {
                CanFilter::new(
                    id.id | CAN_EFF_FLAG,
                    CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_EFF_MASK,
                )
            } else {
                CanFilter::new(id.id, CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_SFF_MASK)
            }
        })
        .collect();
    if filters.is_empty() {
        socket.set_filter_drop_all()?;
    } else {
        socket.set_filters(&filters)?;
    }
    socket.set_error_filter_accept_all()?;
    socket.set_recv_timestamp(true)?;
    Ok(socket)
}

/// The bus state an error frame reports, if it reports one.
fn state_of_error(id_word: u32, data: &[u8]) -> Option<&'static str> {
    let class = id_word & !CAN_ERR_FLAG;
    if class & ERR_BUSOFF != 0 {
        return Some(BUS_OFF);
    }
    if class & ERR_RESTARTED != 0 {
        return Some(ERROR_ACTIVE);
    }
    if class & ERR_CRTL != 0 {
        let status = data.get(1).copied().unwrap_or(0);
        if status & (CRTL_RX_PASSIVE | CRTL_TX_PASSIVE) != 0 {
            return Some(ERROR_PASSIVE);
        }
        if status & CRTL_ACTIVE != 0 {
            return Some(ERROR_ACTIVE);
        }
    }
    None
}

/// Opens every link; each keeps itself open from then on.
pub fn start(state: &mut State, links: Vec<Link>) {
    for link in links {
        connect(state, link);
    }
}

fn connect(state: &mut State, mut link: Link) {
    let socket = match open(&link) {
        Ok(socket) => socket,
        Err(err) => {
            // Opening by name fails with ENODEV before any socket exists; a socket of the
            // CAN family tells whether the kernel has SocketCAN at all.
            let no_af_can = CanFdSocket::open_iface(0).is_err_and(|probe| {
                probe.raw_os_error() == Some(rustix::io::Errno::AFNOSUPPORT.raw_os_error())
            });
            if no_af_can {
                warn!(
                    "SocketCAN unavailable: {}: the kernel has no AF_CAN; running without its data",
                    link.interface
                );
            } else if !link.reported {
                warn!(
                    "SocketCAN unavailable: {}: {err}; retrying until it appears",
                    link.interface
                );
            }
            link.reported = true;
            if no_af_can {
                // The kernel has no CAN at all: no retry will change that.
                state.car_bus_state(&link.interface, UNAVAILABLE);
            } else {
                state.car_bus_state(&link.interface, DOWN);
                retry_later(state, link);
            }
            return;
        }
    };
    info!(interface = %link.interface, ids = link.ids.len(), "SocketCAN open");
    link.retry = FIRST_RETRY;
    link.reported = false;
    state.car_bus_state(&link.interface, ERROR_ACTIVE);
    let interface = link.interface.clone();
    let mut failed_link = Some(link);
    let inserted = state.loop_handle.insert_source(
        Generic::new(socket, Interest::READ, Mode::Level),
        move |_, socket, state| {
            for _ in 0..FRAMES_PER_WAKE {
                match socket.read_frame_with_timestamp() {
                    Ok((CanAnyFrame::Error(error), _)) => {
                        if let Some(bus) = state_of_error(error.id_word(), error.data()) {
                            state.car_bus_state(&interface, bus);
                        }
                    }
                    Ok((CanAnyFrame::Remote(_), _)) => {}
                    Ok((frame, received)) => {
                        let id = FrameId {
                            id: frame.raw_id(),
                            extended: frame.is_extended(),
                        };
                        // The kernel stamps frames in wall-clock time: their age now.
                        let age = SystemTime::now()
                            .duration_since(received)
                            .unwrap_or(Duration::ZERO);
                        state.car_frame_aged(&interface, id, frame.data(), age);
                    }
                    Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                    Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                    Err(err) => {
                        warn!("SocketCAN {interface}: {err}; reopening");
                        state.car_bus_state(&interface, DOWN);
                        if let Some(link) = failed_link.take() {
                            retry_later(state, link);
                        }
                        return Ok(PostAction::Remove);
                    }
                }
            }
            Ok(PostAction::Continue)
        },
    );
    if let Err(err) = inserted {
        warn!("could not watch the CAN socket: {err}");
    }
}

fn retry_later(state: &mut State, mut link: Link) {
    let wait = link.retry;
    link.retry = (link.retry * 2).min(LAST_RETRY);
    let mut pending = Some(link);
    let inserted =
        state
            .loop_handle
            .insert_source(Timer::from_duration(wait), move |_, _, state| {
                if let Some(link) = pending.take() {
                    connect(state, link);
                }
                TimeoutAction::Drop
            });
    if let Err(err) = inserted {
        warn!("could not schedule reopening a CAN bus: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_frames_set_the_bus_state() {
        assert_eq!(
            state_of_error(CAN_ERR_FLAG | ERR_BUSOFF, &[]),
            Some(BUS_OFF)
        );
        assert_eq!(
            state_of_error(CAN_ERR_FLAG | ERR_CRTL, &[0, CRTL_RX_PASSIVE]),
            Some(ERROR_PASSIVE)
        );
        assert_eq!(
            state_of_error(CAN_ERR_FLAG | ERR_CRTL, &[0, CRTL_ACTIVE]),
            Some(ERROR_ACTIVE)
        );
        assert_eq!(
            state_of_error(CAN_ERR_FLAG | ERR_RESTARTED, &[]),
            Some(ERROR_ACTIVE)
        );
        // A lost-arbitration report says nothing about the bus state.
        assert_eq!(state_of_error(CAN_ERR_FLAG | 0x002, &[0; 8]), None);
    }
}
