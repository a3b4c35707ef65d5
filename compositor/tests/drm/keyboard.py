#!/usr/bin/python3
"""A virtual keyboard through the kernel's uinput, for the DRM backend's VM test.

    keyboard.py NAME FIFO

creates a keyboard called NAME (every key of a PC keyboard, so that udev calls it one),
then reads commands from FIFO, one per line, and plays them as fingers would:

    chord CODE...    presses the keys (linux/input-event-codes.h numbers) in order, then
                     lets them go in the reverse order
    quit

Only the standard library: the struct layouts and ioctl numbers are linux/uinput.h's.
"""

import fcntl
import os
import struct
import sys
import time

EV_SYN, EV_KEY = 0, 1
SYN_REPORT = 0
BUS_VIRTUAL = 0x06
# KEY_ESC (1) up to KEY_MICMUTE (248): what a full keyboard reports.
KEYS = range(1, 249)

UI_SET_EVBIT = 0x40045564
UI_SET_KEYBIT = 0x40045565
UI_DEV_CREATE = 0x5501
UI_DEV_DESTROY = 0x5502
ABS_CNT = 64


def emit(fd, kind, code, value):
    # struct input_event: a timeval (zero: the kernel stamps it), type, code, value.
    os.write(fd, struct.pack("llHHi", 0, 0, kind, code, value))


def chord(fd, codes):
    for code in codes:
        emit(fd, EV_KEY, code, 1)
        emit(fd, EV_SYN, SYN_REPORT, 0)
        time.sleep(0.02)
    for code in reversed(codes):
        emit(fd, EV_KEY, code, 0)
        emit(fd, EV_SYN, SYN_REPORT, 0)
        time.sleep(0.02)


def main():
    name, fifo = sys.argv[1], sys.argv[2]
    fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    for bit in (EV_SYN, EV_KEY):
        fcntl.ioctl(fd, UI_SET_EVBIT, bit)
    for key in KEYS:
        fcntl.ioctl(fd, UI_SET_KEYBIT, key)
    # struct uinput_user_dev: name[80], input_id (4 x u16), ff_effects_max, then absmax,
    # absmin, absfuzz and absflat, ABS_CNT s32 each (none used by a keyboard).
    device = struct.pack(
        "80sHHHHi" + "i" * ABS_CNT * 4,
        name.encode(),
        BUS_VIRTUAL,
        0x1234,
        0x5679,
        1,
        0,
        *([0] * ABS_CNT * 4),
    )
    os.write(fd, device)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    print(f"keyboard {name} created", flush=True)
    try:
        while True:
            with open(fifo) as commands:
                for line in commands:
                    words = line.split()
                    if not words:
                        continue
                    if words[0] == "quit":
                        return
                    if words[0] == "chord":
                        chord(fd, [int(word) for word in words[1:]])
                        print("played", line.strip(), flush=True)
    finally:
        fcntl.ioctl(fd, UI_DEV_DESTROY)
        os.close(fd)


if __name__ == "__main__":
    main()
