#!/usr/bin/env python3
"""Runs a command (Cowl) while the kernel refuses the page flips the DRM test VM asks it to.

usage: flip-faults.py CONTROL LOG COMMAND...

The command runs under a seccomp filter that hands each of its DRM atomic commits to this
process (a seccomp user notification, Linux 5.5 or later). Writing a number N to the file
CONTROL arms the next N page flips, the commits that ask for a flip event: each of them is
answered EBUSY, the error a display controller gives for a flip it cannot take now, and
logged to LOG. Writing "all" arms every flip until a 0 disarms them. Every other commit,
and every flip while none are armed, goes on into the kernel unchanged. So Cowl meets a real failing ioctl, on the real driver, at a moment the
test chooses (tests/drm/vm-run.sh).

Runs as root (installing the filter needs CAP_SYS_ADMIN, reading Cowl's memory for the
commit's flags needs CAP_SYS_PTRACE). SIGTERM is passed on to the command, and the exit
status is the command's.
"""

import ctypes
import errno
import fcntl
import math
import os
import select
import signal
import socket
import struct
import subprocess
import sys

# x86-64 numbers: the system calls, the audit architecture, and the ioctl requests
# (linux/seccomp.h, drm/drm.h, drm/drm_mode.h).
SYS_IOCTL = 16
SYS_SECCOMP = 317
AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_RET_USER_NOTIF = 0x7FC00000
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif)
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp)
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
DRM_IOCTL_MODE_ATOMIC = 0xC03864BC  # _IOWR('d', 0xBC, struct drm_mode_atomic)
DRM_MODE_PAGE_FLIP_EVENT = 0x01
DRM_MODE_ATOMIC_TEST_ONLY = 0x100

# struct seccomp_notif: id, pid, flags, then struct seccomp_data: nr, arch, ip, args[6].
NOTIF = struct.Struct("=QIIiIQ6Q")
# struct seccomp_notif_resp: id, val, error, flags.
NOTIF_RESP = struct.Struct("=QqiI")


def bpf(code, jump_true, jump_false, k):
    return struct.pack("=HBBI", code, jump_true, jump_false, k)


BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
# Hand over ioctl(fd, DRM_IOCTL_MODE_ATOMIC, ...) on x86-64; allow everything else.
# seccomp_data: nr at 0, arch at 4, args[1] (the request; its low word) at 24.
FILTER = b"".join(
    [
        bpf(BPF_LD_W_ABS, 0, 0, 4),
        bpf(BPF_JEQ_K, 0, 5, AUDIT_ARCH_X86_64),
        bpf(BPF_LD_W_ABS, 0, 0, 0),
        bpf(BPF_JEQ_K, 0, 3, SYS_IOCTL),
        bpf(BPF_LD_W_ABS, 0, 0, 24),
        bpf(BPF_JEQ_K, 0, 1, DRM_IOCTL_MODE_ATOMIC),
        bpf(BPF_RET_K, 0, 0, SECCOMP_RET_USER_NOTIF),
        bpf(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
)


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_filter(channel):
    """Runs in the child before exec: installs the filter, sends its listener to the parent."""
    libc = ctypes.CDLL(None, use_errno=True)
    program = ctypes.create_string_buffer(FILTER, len(FILTER))
    fprog = SockFprog(len(FILTER) // 8, ctypes.cast(program, ctypes.c_void_p))
    listener = libc.syscall(
        SYS_SECCOMP,
        SECCOMP_SET_MODE_FILTER,
        SECCOMP_FILTER_FLAG_NEW_LISTENER,
        ctypes.byref(fprog),
    )
    if listener < 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER)")
    socket.send_fds(channel, [b"listener"], [listener])
    os.close(listener)
    channel.close()


def commit_flags(tid, address):
    """The flags of the struct drm_mode_atomic at `address` in thread `tid`'s memory."""
    with open(f"/proc/{tid}/mem", "rb", buffering=0) as memory:
        memory.seek(address)
        return struct.unpack("=I", memory.read(4))[0]


def take_armed(control, armed):
    """How many flips are armed once CONTROL is read (it is consumed): N more than `armed`,
    every one ("all", infinitely many), or none (0)."""
    try:
        with open(control) as file:
            text = file.read().strip()
        os.remove(control)
    except FileNotFoundError:
        return armed
    if text == "all":
        return math.inf
    more = int(text or 0)
    return armed + more if more else 0


def answer(listener, notification_id, error):
    if error:
        reply = NOTIF_RESP.pack(notification_id, 0, -error, 0)
    else:
        reply = NOTIF_RESP.pack(notification_id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE)
    try:
        fcntl.ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, bytearray(reply), True)
    except OSError as err:
        # The caller went away (killed, or its call interrupted) meanwhile.
        if err.errno != errno.ENOENT:
            raise


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    control, log_path, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    parent_end, child_end = socket.socketpair()
    child = subprocess.Popen(
        command,
        preexec_fn=lambda: install_filter(child_end),
        pass_fds=[child_end.fileno()],
    )
    child_end.close()
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    _, fds, _, _ = socket.recv_fds(parent_end, 16, 1)
    listener = fds[0]

    armed = 0
    refused = 0
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    with open(log_path, "a", buffering=1) as log:
        while child.poll() is None:
            # Bounded, so that the child's exit is noticed.
            if not poller.poll(500):
                continue
            request = bytearray(NOTIF.size)
            try:
                fcntl.ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, request, True)
            except OSError as err:
                if err.errno in (errno.ENOENT, errno.EINTR):
                    continue
                raise
            notification_id, tid, _, _, _, _, _, _, atomic, _, _, _ = NOTIF.unpack(request)
            try:
                flags = commit_flags(tid, atomic)
            except OSError:
                flags = 0
            is_flip = flags & DRM_MODE_PAGE_FLIP_EVENT and not flags & DRM_MODE_ATOMIC_TEST_ONLY
            if is_flip:
                armed = take_armed(control, armed)
            if is_flip and armed > 0:
                armed -= 1
                refused += 1
                answer(listener, notification_id, errno.EBUSY)
                log.write(f"refused flip {refused} (commit flags {flags:#x}) with EBUSY\n")
            else:
                answer(listener, notification_id, 0)
    # A command killed by signal N exits 128 + N, as in the shell.
    status = child.returncode
    sys.exit(128 - status if status < 0 else status)


if __name__ == "__main__":
    main()
