//! The link between Cowl and its camera helper (`cowl-camera`, the process that runs the
//! rear camera's GStreamer pipeline): a Unix seqpacket socket pair that Cowl creates, its
//! other end handed to the helper as file descriptor 3, and the frames in a shared memfd
//! ([`shared_frames`]). The camera lives in a process of its own so that a camera driver or
//! GStreamer plugin that crashes or hangs takes only the camera down, never the displays,
//! and so that Cowl starts without loading GStreamer.
//!
//! Every message is 32 bytes, little-endian: a tag, then its fields.
//! - helper to Cowl, `Format` (width, height, stride, slots), with the frames' memfd attached:
//!   frames from now on are in this file.
//! - helper to Cowl, `Frame` (slot, sequence, age in nanoseconds): the newest frame is
//!   whole in that slot; it reached the helper that long ago.
//! - helper to Cowl, `Alive`: the pipeline delivers frames. Sent at most every
//!   `ALIVE_EVERY` while frames come and the camera is not shown (while it is shown, every
//!   `Frame` says as much). Cowl replaces a helper that falls silent.
//! - Cowl to helper, `Watch` (on): the camera is on screen (send every new frame) or not
//!   (keep the newest, copy nothing). Turned on, the helper sends its newest frame at once.
//!
//! The helper is Cowl's own child, but Cowl treats what it sends as untrusted input: a
//! message that is not one of these ends the link, and Cowl starts a new helper.

pub mod shared_frames;

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

pub use shared_frames::{FrameFormat, FrameWriter, SharedFrames};

/// The helper's end of the socket in its process.
pub const HELPER_SOCKET_FD: i32 = 3;

const MESSAGE_BYTES: usize = 32;
const TAG_FORMAT: u32 = 1;
const TAG_FRAME: u32 = 2;
const TAG_WATCH: u32 = 3;
const TAG_ALIVE: u32 = 4;

/// How often a helper whose camera is not shown says that its pipeline still delivers.
pub const ALIVE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the other end closed the link")]
    Closed,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// What the helper tells Cowl.
#[derive(Debug)]
pub enum HelperMessage {
    /// Frames from now on are in this file, of this format.
    Format(FrameFormat, OwnedFd),
    /// Frame `sequence` is whole in `slot`; it reached the helper `age` ago.
    Frame {
        slot: u32,
        sequence: u64,
        age: Duration,
    },
    /// Frames keep coming.
    Alive,
}

/// What Cowl tells the helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CowlMessage {
    Watch(bool),
}

/// A message's fields in their places: tag, three 32-bit fields, two 64-bit ones.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Fields {
    tag: u32,
    small: [u32; 3],
    large: [u64; 2],
}

impl Fields {
    fn encode(&self) -> [u8; MESSAGE_BYTES] {
        let mut bytes = [0; MESSAGE_BYTES];
        bytes[0..4].copy_from_slice(&self.tag.to_le_bytes());
        for (index, value) in self.small.iter().enumerate() {
            bytes[4 + 4 * index..][..4].copy_from_slice(&value.to_le_bytes());
        }
        for (index, value) in self.large.iter().enumerate() {
            bytes[16 + 8 * index..][..8].copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }

    fn decode(bytes: &[u8; MESSAGE_BYTES]) -> Self {
        let small = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let large = |at: usize| {
            let mut word = [0; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        Self {
            tag: small(0),
            small: [small(4), small(8), small(12)],
            large: [large(16), large(24)],
        }
    }
}

fn send(
    socket: BorrowedFd<'_>,
    fields: Fields,
    fd: Option<BorrowedFd<'_>>,
    flags: SendFlags,
) -> Result<(), LinkError> {
    let bytes = fields.encode();
    let fds = fd.as_slice();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(LinkError::Malformed(
            "no room for the file descriptor".into(),
        ));
    }
    let sent = rustix::net::sendmsg(
        socket,
        &[IoSlice::new(&bytes)],
        &mut control,
        flags | SendFlags::NOSIGNAL,
    )
    .map_err(|err| match err {
        rustix::io::Errno::PIPE | rustix::io::Errno::CONNRESET => LinkError::Closed,
        err => LinkError::Io(err.into()),
    })?;
    if sent == MESSAGE_BYTES {
        Ok(())
    } else {
        Err(LinkError::Malformed(format!(
            "sent {sent} of {MESSAGE_BYTES} bytes"
        )))
    }
}

/// One message and the file descriptor that came with it; None: nothing to read now
/// (`flags` has `DONTWAIT`).
fn receive(
    socket: BorrowedFd<'_>,
    flags: RecvFlags,
) -> Result<Option<(Fields, Option<OwnedFd>)>, LinkError> {
    // Room for one byte more than a message, so that a longer one shows as such.
    let mut bytes = [0; MESSAGE_BYTES + 1];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let received = match rustix::net::recvmsg(
        socket,
        &mut [IoSliceMut::new(&mut bytes)],
        &mut control,
        flags | RecvFlags::CMSG_CLOEXEC,
    ) {
        Ok(received) => received,
        // Nothing waiting, or a signal came first: the caller asks again.
        Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => return Ok(None),
        Err(rustix::io::Errno::CONNRESET) => return Err(LinkError::Closed),
        Err(err) => return Err(LinkError::Io(err.into())),
    };
    // Descriptors that came are owned (and closed) whatever the message turns out to be.
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received_fds) = message {
            fds.extend(received_fds);
        }
    }
    if received.bytes == 0 {
        return Err(LinkError::Closed);
    }
    if received
        .flags
        .intersects(ReturnFlags::TRUNC | ReturnFlags::CTRUNC)
        || received.bytes != MESSAGE_BYTES
        || fds.len() > 1
    {
        return Err(LinkError::Malformed(format!(
            "{} bytes and {} descriptors",
            received.bytes,
            fds.len()
        )));
    }
    let mut message = [0; MESSAGE_BYTES];
    message.copy_from_slice(&bytes[..MESSAGE_BYTES]);
    Ok(Some((Fields::decode(&message), fds.pop())))
}

/// Helper to Cowl: frames from now on are in `fd`, of `format`. Waits for room.
pub fn send_format(
    socket: BorrowedFd<'_>,
    format: FrameFormat,
    fd: BorrowedFd<'_>,
) -> Result<(), LinkError> {
    let fields = Fields {
        tag: TAG_FORMAT,
        small: [format.width, format.height, format.stride],
        large: [u64::from(format.slots), 0],
    };
    send(socket, fields, Some(fd), SendFlags::empty())
}

/// Helper to Cowl: frame `sequence` is in `slot`. Never waits: with Cowl behind, the frame is
/// dropped (`Ok(false)`), as a newer one will follow.
pub fn send_frame(
    socket: BorrowedFd<'_>,
    slot: u32,
    sequence: u64,
    age: Duration,
) -> Result<bool, LinkError> {
    let age = u64::try_from(age.as_nanos()).unwrap_or(u64::MAX);
    let fields = Fields {
        tag: TAG_FRAME,
        small: [slot, 0, 0],
        large: [sequence, age],
    };
    match send(socket, fields, None, SendFlags::DONTWAIT) {
        Ok(()) => Ok(true),
        Err(LinkError::Io(err)) if err.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
        Err(err) => Err(err),
    }
}

/// Helper to Cowl: the pipeline delivers frames. Never waits: with Cowl behind, Cowl has
/// messages enough to read.
pub fn send_alive(socket: BorrowedFd<'_>) -> Result<(), LinkError> {
    let fields = Fields {
        tag: TAG_ALIVE,
        ..Fields::default()
    };
    match send(socket, fields, None, SendFlags::DONTWAIT) {
        Err(LinkError::Io(err)) if err.kind() == std::io::ErrorKind::WouldBlock => Ok(()),
        other => other,
    }
}

/// Cowl to helper: whether the camera is on screen. Never waits: the loop must not block on
/// a helper that stopped reading (it falls silent, and Cowl's watchdog replaces it).
pub fn send_watch(socket: BorrowedFd<'_>, on: bool) -> Result<(), LinkError> {
    let fields = Fields {
        tag: TAG_WATCH,
        small: [u32::from(on), 0, 0],
        large: [0, 0],
    };
    send(socket, fields, None, SendFlags::DONTWAIT)
}

/// Cowl's side: the helper's next message, None when none is waiting.
pub fn receive_from_helper(socket: impl AsFd) -> Result<Option<HelperMessage>, LinkError> {
    let Some((fields, fd)) = receive(socket.as_fd(), RecvFlags::DONTWAIT)? else {
        return Ok(None);
    };
    match (fields.tag, fd) {
        (TAG_FORMAT, Some(fd)) => {
            let format = FrameFormat {
                width: fields.small[0],
                height: fields.small[1],
                stride: fields.small[2],
                slots: u32::try_from(fields.large[0]).unwrap_or(0),
            };
            format.check()?;
            Ok(Some(HelperMessage::Format(format, fd)))
        }
        (TAG_FRAME, None) => Ok(Some(HelperMessage::Frame {
            slot: fields.small[0],
            sequence: fields.large[0],
            age: Duration::from_nanos(fields.large[1]),
        })),
        (TAG_ALIVE, None) => Ok(Some(HelperMessage::Alive)),
        (tag, fd) => Err(LinkError::Malformed(format!(
            "tag {tag} {} a file descriptor",
            if fd.is_some() { "with" } else { "without" }
        ))),
    }
}

/// The helper's side: Cowl's next message, waiting for it.
pub fn receive_from_cowl(socket: impl AsFd) -> Result<CowlMessage, LinkError> {
    loop {
        let Some((fields, fd)) = receive(socket.as_fd(), RecvFlags::empty())? else {
            // Interrupted without a message: wait again.
            continue;
        };
        return match (fields.tag, fd) {
            (TAG_WATCH, None) => Ok(CowlMessage::Watch(fields.small[0] != 0)),
            (tag, _) => Err(LinkError::Malformed(format!("tag {tag} from Cowl"))),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::net::{AddressFamily, SocketFlags, SocketType};

    fn pair() -> (OwnedFd, OwnedFd) {
        rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )
        .expect("socketpair")
    }

    #[test]
    fn messages_cross_the_link_as_sent() {
        let (cowl, helper) = pair();
        let format = FrameFormat::packed(160, 120, 3);
        let writer = FrameWriter::create(format).expect("memfd");
        send_format(helper.as_fd(), format, writer.fd()).expect("format");
        assert!(send_frame(helper.as_fd(), 2, 41, Duration::from_millis(5)).expect("frame"));
        send_alive(helper.as_fd()).expect("alive");
        send_watch(cowl.as_fd(), true).expect("watch");

        match receive_from_helper(&cowl).expect("format") {
            Some(HelperMessage::Format(received, fd)) => {
                assert_eq!(received, format);
                SharedFrames::map(fd, format).expect("the file maps");
            }
            other => panic!("expected the format, got {other:?}"),
        }
        match receive_from_helper(&cowl).expect("frame") {
            Some(HelperMessage::Frame {
                slot,
                sequence,
                age,
            }) => {
                assert_eq!((slot, sequence, age), (2, 41, Duration::from_millis(5)));
            }
            other => panic!("expected a frame, got {other:?}"),
        }
        assert!(matches!(
            receive_from_helper(&cowl).expect("alive"),
            Some(HelperMessage::Alive)
        ));
        assert!(receive_from_helper(&cowl).expect("nothing").is_none());
        assert_eq!(
            receive_from_cowl(&helper).expect("watch"),
            CowlMessage::Watch(true)
        );
    }

    #[test]
    fn garbage_and_a_closed_link_are_errors() {
        let (cowl, helper) = pair();
        rustix::io::write(&helper, b"not a message").expect("write");
        assert!(matches!(
            receive_from_helper(&cowl),
            Err(LinkError::Malformed(_))
        ));

        // A frame tag with a descriptor attached, and an impossible format.
        let writer = FrameWriter::create(FrameFormat::packed(2, 2, 1)).expect("memfd");
        let frame = Fields {
            tag: TAG_FRAME,
            ..Fields::default()
        };
        send(helper.as_fd(), frame, Some(writer.fd()), SendFlags::empty()).expect("send");
        assert!(matches!(
            receive_from_helper(&cowl),
            Err(LinkError::Malformed(_))
        ));
        let huge = FrameFormat::packed(100_000, 2, 1);
        let fields = Fields {
            tag: TAG_FORMAT,
            small: [huge.width, huge.height, huge.stride],
            large: [1, 0],
        };
        send(
            helper.as_fd(),
            fields,
            Some(writer.fd()),
            SendFlags::empty(),
        )
        .expect("send");
        assert!(matches!(
            receive_from_helper(&cowl),
            Err(LinkError::Malformed(_))
        ));

        drop(helper);
        assert!(matches!(receive_from_helper(&cowl), Err(LinkError::Closed)));
    }
}
