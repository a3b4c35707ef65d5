//! can-utils candump logs (`candump -l`, `candump -L`): one frame per line,
//! `(seconds.fraction) iface frame`, where the frame is `ID#DATA` (classic), `ID#R` or
//! `ID#Rn` (remote, with length), `ID##FDATA` (CAN FD, F the flags nibble), data bytes in hex,
//! optionally separated by dots. Three hex digits are a standard id, eight an extended one
//! (or an error frame, with the error flag set). The fraction may have microseconds (as
//! candump writes) or nanoseconds (as some loggers do).
//!
//! Hand-written rather than socketcan's `dump::Reader`, which refuses nanosecond stamps; a
//! line is parsed without allocating.

use std::time::Duration;

use super::decode::FrameId;

/// The error-frame flag of an 8-digit id (linux/can.h CAN_ERR_FLAG).
const ERROR_FLAG: u32 = 0x2000_0000;

/// What a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Data,
    /// A remote request: no data, only a length.
    Remote,
    /// A controller error report; `id` holds the error class bits.
    Error,
}

/// One line of a candump log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFrame<'a> {
    /// Since the epoch (or whatever clock the logger used).
    pub timestamp: Duration,
    pub interface: &'a str,
    pub id: FrameId,
    pub kind: FrameKind,
    /// CAN FD, with its flags (bit-rate switch 1, error-state indicator 2).
    pub fd: Option<u8>,
    len: u8,
    data: [u8; 64],
}

impl LogFrame<'_> {
    /// The payload: empty for a remote request.
    pub fn data(&self) -> &[u8] {
        match self.kind {
            FrameKind::Remote => &[],
            _ => &self.data[..usize::from(self.len)],
        }
    }

    /// The length the frame announces (a remote request's asked length).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Why a line is not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("expected \"(seconds.fraction) interface frame\"")]
    Shape,
    #[error("the timestamp is not seconds.fraction with 6 or 9 digits")]
    Timestamp,
    #[error("the id is not 3 or 8 hex digits")]
    Id,
    #[error("the data is not pairs of hex digits")]
    Data,
    #[error("more data than a frame holds (8 bytes classic, 64 FD)")]
    TooLong,
}

/// Parses one log line (without its newline).
pub fn parse_line(line: &str) -> Result<LogFrame<'_>, LogError> {
    let mut fields = line.split_ascii_whitespace();
    let (Some(stamp), Some(interface), Some(frame), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(LogError::Shape);
    };
    let timestamp = parse_timestamp(stamp)?;
    let (id_text, rest) = frame.split_once('#').ok_or(LogError::Shape)?;
    let raw_id = parse_hex_u32(id_text).ok_or(LogError::Id)?;
    let (id, mut kind) = match id_text.len() {
        3 if raw_id <= 0x7FF => (
            FrameId {
                id: raw_id,
                extended: false,
            },
            FrameKind::Data,
        ),
        8 if raw_id & ERROR_FLAG != 0 => (
            FrameId {
                id: raw_id & 0x1FFF_FFFF & !ERROR_FLAG,
                extended: true,
            },
            FrameKind::Error,
        ),
        8 if raw_id <= 0x1FFF_FFFF => (
            FrameId {
                id: raw_id,
                extended: true,
            },
            FrameKind::Data,
        ),
        _ => return Err(LogError::Id),
    };
    let mut frame = LogFrame {
        timestamp,
        interface,
        id,
        kind,
        fd: None,
        len: 0,
        data: [0; 64],
    };
    let (payload, limit) = if let Some(fd) = rest.strip_prefix('#') {
        let mut chars = fd.chars();
        let flags = chars
            .next()
            .and_then(|flag| flag.to_digit(16))
            .ok_or(LogError::Data)?;
        frame.fd = Some(flags as u8);
        (chars.as_str(), 64)
    } else if let Some(remote) = rest.strip_prefix('R').or_else(|| rest.strip_prefix('r')) {
        kind = FrameKind::Remote;
        frame.kind = kind;
        let length = match remote {
            "" => 0,
            digit => digit
                .parse::<u8>()
                .ok()
                .filter(|&length| length <= 8)
                .ok_or(LogError::Data)?,
        };
        frame.len = length;
        return Ok(frame);
    } else {
        (rest, 8)
    };
    // Classic frames may carry a raw DLC above 8 after an underscore: the data is still 8.
    let payload = match payload.split_once('_') {
        Some((data, dlc)) if frame.fd.is_none() && parse_hex_u32(dlc).is_some() => data,
        Some(_) => return Err(LogError::Data),
        None => payload,
    };
    let mut digits = payload.bytes().filter(|&byte| byte != b'.');
    let mut len = 0;
    while let Some(high) = digits.next() {
        let low = digits.next().ok_or(LogError::Data)?;
        if len == limit {
            return Err(LogError::TooLong);
        }
        let value =
            (hex_digit(high).ok_or(LogError::Data)? << 4) | hex_digit(low).ok_or(LogError::Data)?;
        frame.data[len] = value;
        len += 1;
    }
    frame.len = len as u8;
    Ok(frame)
}

fn parse_timestamp(stamp: &str) -> Result<Duration, LogError> {
    let inner = stamp
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or(LogError::Timestamp)?;
    let (seconds, fraction) = inner.split_once('.').ok_or(LogError::Timestamp)?;
    let all_digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(seconds) || !all_digits(fraction) {
        return Err(LogError::Timestamp);
    }
    let seconds: u64 = seconds.parse().map_err(|_| LogError::Timestamp)?;
    let nanos: u32 = match fraction.len() {
        6 => fraction.parse::<u32>().map_err(|_| LogError::Timestamp)? * 1000,
        9 => fraction.parse().map_err(|_| LogError::Timestamp)?,
        _ => return Err(LogError::Timestamp),
    };
    Ok(Duration::new(seconds, nanos))
}

fn parse_hex_u32(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

/// Parses a frame as `cansend` writes it (`ID#DATA`, `ID##FDATA`, `ID#R`), without timestamp
/// or interface: for `cowlctl can decode --frame`.
pub fn parse_frame(frame: &str) -> Result<LogFrame<'static>, LogError> {
    let line = format!("(0.000000) - {frame}");
    parse_line(&line).map(|parsed| LogFrame {
        interface: "-",
        ..parsed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classic_line_with_microseconds() {
        let frame = parse_line("(1436509052.249713) vcan0 123#DEADBEEF").expect("valid");
        assert_eq!(frame.timestamp, Duration::new(1_436_509_052, 249_713_000));
        assert_eq!(frame.interface, "vcan0");
        assert_eq!(
            frame.id,
            FrameId {
                id: 0x123,
                extended: false
            }
        );
        assert_eq!(frame.kind, FrameKind::Data);
        assert_eq!(frame.data(), &[0xDE, 0xAD, 0xBE, 0xEF]);
        assert_eq!(frame.fd, None);
    }

    #[test]
    fn extended_fd_remote_error_and_nanosecond_lines() {
        let frame = parse_line("(1.000000001) can1 18FEEE00##311.22.33").expect("valid");
        assert_eq!(frame.timestamp, Duration::new(1, 1));
        assert_eq!(
            frame.id,
            FrameId {
                id: 0x18FE_EE00,
                extended: true
            }
        );
        assert_eq!(frame.fd, Some(3));
        assert_eq!(frame.data(), &[0x11, 0x22, 0x33]);

        let remote = parse_line("(2.000000) can0 7FF#R5").expect("valid");
        assert_eq!(
            (remote.kind, remote.len(), remote.data()),
            (FrameKind::Remote, 5, &[][..])
        );

        let error = parse_line("(3.000000) can0 20000004#0004000000000000").expect("valid");
        assert_eq!(error.kind, FrameKind::Error);
        assert_eq!(error.id.id, 4);
        assert_eq!(error.data()[1], 0x04);

        let empty = parse_line("(4.000000) can0 100#").expect("valid");
        assert!(empty.is_empty());
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for line in [
            "",
            "garbage",
            "(1.0) can0 123#00",
            "(1.000000) can0 123",
            "(1.000000) can0 1234#00",
            "(1.000000) can0 800#00",
            "(1.000000) can0 123#0",
            "(1.000000) can0 123#GG",
            "(1.000000) can0 123#001122334455667788",
            "(1.000000) can0 123#R9",
            "(x.000000) can0 123#00",
            "(1.000000) can0 123##",
            "(1.000000) can0 123#00 extra",
            "(99999999999999999999.000000) can0 123#00",
            "(1.000000) can0 123#ÄÖ",
        ] {
            assert!(parse_line(line).is_err(), "{line:?} must be refused");
        }
    }

    #[test]
    fn cansend_frames_parse_without_stamp_or_interface() {
        let frame = parse_frame("3C3#0102").expect("valid");
        assert_eq!(frame.id.id, 0x3C3);
        assert_eq!(frame.data(), &[1, 2]);
    }
}
