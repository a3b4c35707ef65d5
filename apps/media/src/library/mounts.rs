//! Removable media: which file systems are mounted under the removable-media folders
//! (`/media`, `/run/media` by default, where udisks and automounters put USB sticks), and
//! a wake-up when the mount table changes. The kernel marks `/proc/self/mountinfo` with a
//! priority event on every mount and unmount, so nothing polls.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::PathBuf;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

const MOUNTINFO: &str = "/proc/self/mountinfo";

/// Mount points strictly below one of `roots`, in mount-table order.
pub fn removable_mounts(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut text = String::new();
    if File::open(MOUNTINFO)
        .and_then(|mut file| file.read_to_string(&mut text))
        .is_err()
    {
        return Vec::new();
    }
    mounts_below(&text, roots)
}

fn mounts_below(mountinfo: &str, roots: &[PathBuf]) -> Vec<PathBuf> {
    mountinfo
        .lines()
        // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": the fifth
        // field is the mount point, with spaces and the like written as octal escapes.
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_octal(field)))
        .filter(|mount| {
            roots
                .iter()
                .any(|root| mount.starts_with(root) && mount.as_path() != root.as_path())
        })
        .collect()
}

fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escape = bytes.get(index + 1..index + 4).filter(|digits| {
            bytes[index] == b'\\' && digits.iter().all(|digit| (b'0'..=b'7').contains(digit))
        });
        match escape {
            Some(digits) => {
                let value = digits
                    .iter()
                    .fold(0u32, |value, digit| value * 8 + u32::from(digit - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                index += 4;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Wakes when something is mounted or unmounted.
pub struct MountWatch {
    table: AsyncFd<File>,
}

impl MountWatch {
    /// `None` where the mount table cannot be watched (no /proc): media then shows up at the
    /// next start or rescan.
    pub fn new() -> Option<MountWatch> {
        let file = File::open(MOUNTINFO).ok()?;
        // SAFETY: the AsyncFd owns the file, so the descriptor stays open for as long as it
        // is registered.
        let table = unsafe { AsyncFd::register_with_interest(file, Interest::PRIORITY) }.ok()?;
        Some(MountWatch { table })
    }

    /// Waits for the next change of the mount table.
    pub async fn changed(&mut self) {
        let Ok(mut ready) = self.table.ready_mut(Interest::PRIORITY).await else {
            // The watch broke: never wake again rather than spin.
            return std::future::pending().await;
        };
        // The event stays raised until the table is read again from its start.
        let file = ready.get_inner_mut();
        let mut table = Vec::new();
        let _ = file.rewind().and_then(|()| file.read_to_end(&mut table));
        ready.clear_ready();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mounts_below_the_removable_roots_with_escaped_names() {
        let table = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 8:17 / /media/USB\\040STICK rw,nosuid shared:20 - vfat /dev/sdb1 rw
41 22 0:5 / /media rw shared:21 - tmpfs tmpfs rw
42 22 8:33 / /run/media/driver/CARD rw shared:22 - exfat /dev/sdc1 rw
43 22 8:49 / /mnt/other rw shared:23 - ext4 /dev/sdd1 rw
";
        let roots = [PathBuf::from("/media"), PathBuf::from("/run/media")];
        assert_eq!(
            mounts_below(table, &roots),
            vec![
                PathBuf::from("/media/USB STICK"),
                PathBuf::from("/run/media/driver/CARD")
            ]
        );
    }
}
