//! The camera's frames in shared memory: one sealed memfd that the helper writes and Cowl maps
//! read-only. It starts with a header of one sequence number per slot, then the slots, each
//! one BGRx frame (`stride` bytes a row). The helper fills the slots in turn; a slot's
//! sequence number is 0 while it is written and the frame's own number once it is whole, so
//! that Cowl, copying a slot out while the helper may be overwriting it with a newer frame,
//! can tell a torn copy from a whole one (a sequence lock) and never shows the first.
//!
//! The memfd is sealed against shrinking before it is sent: a mapping whose file shrank
//! under it would kill Cowl with SIGBUS on the next read, and Cowl refuses a file without
//! that seal.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering, fence};

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{MapFlags, ProtFlags};

use super::LinkError;

/// The most slots a file may have; their sequence numbers fill the header.
pub const MAX_SLOTS: u32 = 8;
/// The header: one 8-byte sequence number per slot, padded to a cache line.
const HEADER_BYTES: usize = 64;
/// The widest and tallest frame accepted (8K), so that a bad format cannot ask for a huge
/// mapping.
pub const MAX_SIDE: u32 = 8192;
const BYTES_PER_PIXEL: usize = 4;
/// The largest file of frames accepted: every size below it fits a 32-bit `usize`, so the
/// byte arithmetic of a format that passed `check` cannot wrap on any target.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The shape of the frames in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameFormat {
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next, at least `width * 4`.
    pub stride: u32,
    pub slots: u32,
}

impl FrameFormat {
    /// A format for frames of this size, rows packed, in `slots` slots.
    pub fn packed(width: u32, height: u32, slots: u32) -> Self {
        Self {
            width,
            height,
            stride: width.saturating_mul(BYTES_PER_PIXEL as u32),
            slots,
        }
    }

    /// Whether a file of this format can exist: sizes within limits, rows wide enough, the
    /// whole file at most `MAX_FILE_BYTES`. Every size below is computed only for a format
    /// that passed this (in `u64` here, so that nothing wraps while checking).
    pub fn check(&self) -> Result<(), LinkError> {
        let sides = (1..=MAX_SIDE).contains(&self.width) && (1..=MAX_SIDE).contains(&self.height);
        let row = u64::from(self.width) * BYTES_PER_PIXEL as u64;
        let stride = (row..=2 * u64::from(MAX_SIDE) * BYTES_PER_PIXEL as u64)
            .contains(&u64::from(self.stride));
        let file = HEADER_BYTES as u64
            + u64::from(self.slots) * u64::from(self.stride) * u64::from(self.height);
        if sides && stride && (1..=MAX_SLOTS).contains(&self.slots) && file <= MAX_FILE_BYTES {
            Ok(())
        } else {
            Err(LinkError::Malformed(format!(
                "impossible frame format {self:?}"
            )))
        }
    }

    fn row_bytes(&self) -> usize {
        self.width as usize * BYTES_PER_PIXEL
    }

    fn slot_bytes(&self) -> usize {
        self.stride as usize * self.height as usize
    }

    fn slot_offset(&self, slot: u32) -> usize {
        HEADER_BYTES + slot as usize * self.slot_bytes()
    }

    /// The file's whole length.
    pub fn file_bytes(&self) -> usize {
        self.slot_offset(self.slots)
    }
}

/// A shared mapping, unmapped when dropped.
#[derive(Debug)]
struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory that lives until drop; every access through it is a
// raw copy or an atomic, and the sequence lock decides what a copy is worth.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    fn new(fd: BorrowedFd<'_>, len: usize, writable: bool) -> Result<Self, LinkError> {
        let prot = if writable {
            ProtFlags::READ | ProtFlags::WRITE
        } else {
            ProtFlags::READ
        };
        // SAFETY: a fresh mapping of `len` bytes of a file at least that long (checked by
        // the callers), placed where the kernel chooses: it aliases nothing of ours.
        let base =
            unsafe { rustix::mm::mmap(std::ptr::null_mut(), len, prot, MapFlags::SHARED, fd, 0) }
                .map_err(|err| LinkError::Io(err.into()))?;
        let base = NonNull::new(base.cast::<u8>())
            .ok_or_else(|| LinkError::Malformed("mmap returned null".into()))?;
        Ok(Self { base, len })
    }

    /// Slot `slot`'s sequence number (the header lies inside the mapping, 8-byte aligned as
    /// the page is).
    fn sequence(&self, slot: u32) -> &AtomicU64 {
        debug_assert!((slot as usize + 1) * 8 <= HEADER_BYTES);
        // SAFETY: in bounds (slot < MAX_SLOTS, HEADER_BYTES <= len), aligned, and only ever
        // accessed atomically, by both processes. Atomic loads from a read-only mapping are
        // allowed for sizes the CPU loads natively.
        unsafe {
            &*self
                .base
                .as_ptr()
                .add(slot as usize * 8)
                .cast::<AtomicU64>()
        }
    }
}

impl Mapping {
    /// Where row `index` of `slot` begins; with a slot and row inside `format`, the mapping
    /// was made at least `format.file_bytes()` long, so the whole row lies inside it.
    fn row_start(&self, format: FrameFormat, slot: u32, index: usize) -> *mut u8 {
        let offset = format.slot_offset(slot) + index * format.stride as usize;
        debug_assert!(offset + format.row_bytes() <= self.len);
        self.base.as_ptr().wrapping_add(offset)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `new` mapped; nothing borrows it past `self`.
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

/// The helper's side: writes frames into the slots in turn.
pub struct FrameWriter {
    format: FrameFormat,
    fd: OwnedFd,
    mapping: Mapping,
    next_slot: u32,
}

impl FrameWriter {
    /// A new sealed memfd for frames of `format`, mapped for writing.
    pub fn create(format: FrameFormat) -> Result<Self, LinkError> {
        format.check()?;
        let io = |err: rustix::io::Errno| LinkError::Io(err.into());
        let fd = rustix::fs::memfd_create(
            "cowl-camera-frames",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )
        .map_err(io)?;
        rustix::fs::ftruncate(&fd, format.file_bytes() as u64).map_err(io)?;
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)
            .map_err(io)?;
        let mapping = Mapping::new(fd.as_fd(), format.file_bytes(), true)?;
        Ok(Self {
            format,
            fd,
            mapping,
            next_slot: 0,
        })
    }

    pub fn format(&self) -> FrameFormat {
        self.format
    }

    /// The file, to send to Cowl.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Writes frame `sequence` (non-zero) from `source`, rows `source_stride` bytes apart,
    /// into the next slot, and returns the slot. None when `source` is too short for the
    /// format.
    pub fn write(&mut self, sequence: u64, source: &[u8], source_stride: usize) -> Option<u32> {
        let format = self.format;
        let row = format.row_bytes();
        let rows = format.height as usize;
        if sequence == 0 || source_stride < row || source.len() < (rows - 1) * source_stride + row {
            return None;
        }
        let slot = self.next_slot;
        self.next_slot = (slot + 1) % format.slots;
        let marker = self.mapping.sequence(slot);
        marker.store(0, Ordering::Relaxed);
        // The 0 is seen before any of the new pixels.
        fence(Ordering::Release);
        for index in 0..rows {
            let from = &source[index * source_stride..][..row];
            // SAFETY: the destination row lies inside the mapping (`row_start`) and is no Rust
            // reference anywhere: Cowl only copies out.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    from.as_ptr(),
                    self.mapping.row_start(format, slot, index),
                    row,
                );
            }
        }
        marker.store(sequence, Ordering::Release);
        Some(slot)
    }
}

/// Cowl's side: the helper's file, mapped read-only.
#[derive(Debug)]
pub struct SharedFrames {
    format: FrameFormat,
    mapping: Mapping,
}

impl SharedFrames {
    /// Maps the helper's file after checking that it is as long as `format` needs and sealed
    /// against shrinking.
    pub fn map(fd: OwnedFd, format: FrameFormat) -> Result<Self, LinkError> {
        format.check()?;
        let io = |err: rustix::io::Errno| LinkError::Io(err.into());
        let seals = rustix::fs::fcntl_get_seals(&fd).map_err(io)?;
        if !seals.contains(SealFlags::SHRINK) {
            return Err(LinkError::Malformed(
                "the frames' file is not sealed against shrinking".into(),
            ));
        }
        let length = rustix::fs::fstat(&fd).map_err(io)?.st_size;
        if u64::try_from(length).unwrap_or(0) < format.file_bytes() as u64 {
            return Err(LinkError::Malformed(format!(
                "the frames' file has {length} bytes, {format:?} needs {}",
                format.file_bytes()
            )));
        }
        let mapping = Mapping::new(fd.as_fd(), format.file_bytes(), false)?;
        Ok(Self { format, mapping })
    }

    pub fn format(&self) -> FrameFormat {
        self.format
    }

    /// Copies frame `sequence` out of `slot` into `dest`, rows `dest_stride` bytes apart.
    /// False when the slot no longer holds that frame, the helper wrote over it during the
    /// copy, or `dest` is too small: then `dest` holds nothing worth showing.
    pub fn copy_frame(
        &self,
        slot: u32,
        sequence: u64,
        dest: &mut [u8],
        dest_stride: usize,
    ) -> bool {
        let format = self.format;
        let row = format.row_bytes();
        let rows = format.height as usize;
        if slot >= format.slots
            || sequence == 0
            || dest_stride < row
            || dest.len() < (rows - 1) * dest_stride + row
        {
            return false;
        }
        let marker = self.mapping.sequence(slot);
        if marker.load(Ordering::Acquire) != sequence {
            return false;
        }
        for index in 0..rows {
            let to = &mut dest[index * dest_stride..][..row];
            // SAFETY: the source row lies inside the mapping (`row_start`; the file is at least
            // that long and sealed). The helper may write it meanwhile: the bytes copied may
            // then be mixed, which the second look at the sequence number catches.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.mapping.row_start(format, slot, index),
                    to.as_mut_ptr(),
                    row,
                );
            }
        }
        // The pixels are read before the sequence number is looked at again.
        fence(Ordering::Acquire);
        marker.load(Ordering::Relaxed) == sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(format: FrameFormat, value: u8) -> Vec<u8> {
        vec![value; format.stride as usize * format.height as usize]
    }

    #[test]
    fn a_frame_written_is_read_back_whole() {
        let format = FrameFormat::packed(4, 3, 2);
        let mut writer = FrameWriter::create(format).expect("memfd");
        let fd = writer.fd().try_clone_to_owned().expect("dup");
        let reader = SharedFrames::map(fd, format).expect("map");
        let slot = writer
            .write(7, &picture(format, 0xab), 16)
            .expect("written");
        let mut out = vec![0; 48];
        assert!(reader.copy_frame(slot, 7, &mut out, 16));
        assert!(out.iter().all(|&byte| byte == 0xab));
    }

    #[test]
    fn a_slot_written_over_no_longer_gives_the_older_frame() {
        let format = FrameFormat::packed(2, 2, 2);
        let mut writer = FrameWriter::create(format).expect("memfd");
        let reader =
            SharedFrames::map(writer.fd().try_clone_to_owned().expect("dup"), format).expect("map");
        let first = writer.write(1, &picture(format, 1), 8).expect("written");
        let second = writer.write(2, &picture(format, 2), 8).expect("written");
        assert_ne!(first, second, "slots are used in turn");
        let third = writer.write(3, &picture(format, 3), 8).expect("written");
        assert_eq!(third, first);
        let mut out = vec![0; 16];
        assert!(!reader.copy_frame(first, 1, &mut out, 8), "frame 1 is gone");
        assert!(reader.copy_frame(first, 3, &mut out, 8));
        assert_eq!(out[0], 3);
        assert!(reader.copy_frame(second, 2, &mut out, 8));
        assert_eq!(out[0], 2);
    }

    #[test]
    fn out_of_range_slots_and_short_buffers_are_refused() {
        let format = FrameFormat::packed(2, 2, 1);
        let mut writer = FrameWriter::create(format).expect("memfd");
        let reader =
            SharedFrames::map(writer.fd().try_clone_to_owned().expect("dup"), format).expect("map");
        assert_eq!(writer.write(1, &[0; 8], 8), None, "a source too short");
        let slot = writer.write(1, &picture(format, 9), 8).expect("written");
        let mut short = vec![0; 15];
        assert!(!reader.copy_frame(slot, 1, &mut short, 8));
        assert!(!reader.copy_frame(1, 1, &mut [0; 16], 8));
    }

    #[test]
    fn a_file_that_could_shrink_or_is_too_short_is_not_mapped() {
        let format = FrameFormat::packed(16, 16, 2);
        let unsealed = rustix::fs::memfd_create("test", MemfdFlags::CLOEXEC).expect("memfd");
        rustix::fs::ftruncate(&unsealed, format.file_bytes() as u64).expect("size");
        assert!(SharedFrames::map(unsealed, format).is_err());

        let writer = FrameWriter::create(FrameFormat::packed(16, 8, 2)).expect("memfd");
        let short = writer.fd().try_clone_to_owned().expect("dup");
        assert!(SharedFrames::map(short, format).is_err());
    }

    #[test]
    fn impossible_formats_are_refused() {
        for format in [
            FrameFormat::packed(0, 10, 2),
            FrameFormat::packed(10, MAX_SIDE + 1, 2),
            FrameFormat::packed(10, 10, 0),
            FrameFormat::packed(10, 10, MAX_SLOTS + 1),
            FrameFormat {
                width: 10,
                height: 10,
                stride: 39,
                slots: 2,
            },
            // Each side and the stride within limits, but eight slots of 8K frames with the
            // widest stride are 4 GiB: in a 32-bit usize that wraps to a few bytes.
            FrameFormat {
                width: MAX_SIDE,
                height: MAX_SIDE,
                stride: 2 * MAX_SIDE * 4,
                slots: MAX_SLOTS,
            },
        ] {
            assert!(format.check().is_err(), "{format:?}");
        }
        // The largest camera the helper sends, 4K in three slots, passes.
        assert!(FrameFormat::packed(3840, 2160, 3).check().is_ok());
    }
}
