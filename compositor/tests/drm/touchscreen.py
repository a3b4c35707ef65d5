#!/usr/bin/python3
"""A virtual multi-touch screen through the kernel's uinput, for the DRM backend's VM test.

    touchscreen.py NAME WIDTH HEIGHT FIFO

creates a direct-touch device called NAME whose axes span WIDTH x HEIGHT, then reads
commands from FIFO, one per line, and plays them as a finger would:

    tap X Y          one finger down at (X, Y) and up again
    tap2 X1 Y1 X2 Y2 two fingers down together, then both up
    quit

Only the standard library: the struct layouts and ioctl numbers are linux/uinput.h's.
"""

import fcntl
import os
import struct
import sys
import time

EV_SYN, EV_KEY, EV_ABS = 0, 1, 3
SYN_REPORT = 0
BTN_TOUCH = 0x14A
ABS_X, ABS_Y = 0x00, 0x01
ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = 0x2F, 0x35, 0x36, 0x39
INPUT_PROP_DIRECT = 0x01
BUS_VIRTUAL = 0x06

UI_SET_EVBIT = 0x40045564
UI_SET_KEYBIT = 0x40045565
UI_SET_ABSBIT = 0x40045567
UI_SET_PROPBIT = 0x4004556E
UI_DEV_CREATE = 0x5501
UI_DEV_DESTROY = 0x5502
ABS_CNT = 64
SLOTS = 10


def main():
    name, width, height, fifo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    for bit in (EV_SYN, EV_KEY, EV_ABS):
        fcntl.ioctl(fd, UI_SET_EVBIT, bit)
    fcntl.ioctl(fd, UI_SET_KEYBIT, BTN_TOUCH)
    fcntl.ioctl(fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT)
    maximum = [0] * ABS_CNT
    for axis, top in (
        (ABS_X, width - 1),
        (ABS_Y, height - 1),
        (ABS_MT_SLOT, SLOTS - 1),
        (ABS_MT_POSITION_X, width - 1),
        (ABS_MT_POSITION_Y, height - 1),
        (ABS_MT_TRACKING_ID, 65535),
    ):
        fcntl.ioctl(fd, UI_SET_ABSBIT, axis)
        maximum[axis] = top
    # struct uinput_user_dev: name[80], input_id (4 x u16), ff_effects_max, then absmax,
    # absmin, absfuzz and absflat, ABS_CNT s32 each.
    device = struct.pack(
        "80sHHHHI" + "i" * (4 * ABS_CNT),
        name.encode(),
        BUS_VIRTUAL,
        0x1234,
        0x5678,
        1,
        0,
        *maximum,
        *([0] * ABS_CNT),
        *([0] * ABS_CNT),
        *([0] * ABS_CNT),
    )
    os.write(fd, device)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    print(f"touchscreen {name} created", flush=True)

    tracking = [0]

    def emit(kind, code, value):
        now = time.time()
        seconds = int(now)
        os.write(fd, struct.pack("llHHi", seconds, int((now - seconds) * 1e6), kind, code, value))

    def fingers_down(points):
        for slot, (x, y) in enumerate(points):
            tracking[0] += 1
            emit(EV_ABS, ABS_MT_SLOT, slot)
            emit(EV_ABS, ABS_MT_TRACKING_ID, tracking[0])
            emit(EV_ABS, ABS_MT_POSITION_X, x)
            emit(EV_ABS, ABS_MT_POSITION_Y, y)
        emit(EV_KEY, BTN_TOUCH, 1)
        emit(EV_ABS, ABS_X, points[0][0])
        emit(EV_ABS, ABS_Y, points[0][1])
        emit(EV_SYN, SYN_REPORT, 0)

    def fingers_up(count):
        for slot in range(count):
            emit(EV_ABS, ABS_MT_SLOT, slot)
            emit(EV_ABS, ABS_MT_TRACKING_ID, -1)
        emit(EV_KEY, BTN_TOUCH, 0)
        emit(EV_SYN, SYN_REPORT, 0)

    while True:
        with open(fifo) as commands:
            for line in commands:
                words = line.split()
                if not words:
                    continue
                if words[0] == "quit":
                    fcntl.ioctl(fd, UI_DEV_DESTROY)
                    return
                numbers = [int(word) for word in words[1:]]
                points = list(zip(numbers[0::2], numbers[1::2]))
                fingers_down(points)
                time.sleep(0.05)
                fingers_up(len(points))
                print(f"played {line.strip()}", flush=True)


if __name__ == "__main__":
    main()
