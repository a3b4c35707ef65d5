#!/usr/bin/python3
"""A virtual multi-touch screen through the kernel's uinput, for the DRM backend's VM test.

    touchscreen.py NAME WIDTH HEIGHT FIFO

creates a direct-touch device called NAME whose axes span WIDTH x HEIGHT, then reads
commands from FIFO, one per line, and plays them as a finger would:

    tap X Y          one finger down at (X, Y) and up again
    tap2 X1 Y1 X2 Y2 two fingers down together, then both up
    quit

Only the standard library, through uinput.py beside it.
"""

import sys
import time

from uinput import EV_ABS, EV_KEY, EV_SYN, SYN_REPORT, create, destroy, emit

BTN_TOUCH = 0x14A
ABS_X, ABS_Y = 0x00, 0x01
ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = 0x2F, 0x35, 0x36, 0x39
INPUT_PROP_DIRECT = 0x01
SLOTS = 10


def main():
    name, width, height, fifo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    axes = {
        ABS_X: width - 1,
        ABS_Y: height - 1,
        ABS_MT_SLOT: SLOTS - 1,
        ABS_MT_POSITION_X: width - 1,
        ABS_MT_POSITION_Y: height - 1,
        ABS_MT_TRACKING_ID: 65535,
    }
    fd = create(name, 0x5678, [BTN_TOUCH], axes, [INPUT_PROP_DIRECT])
    print(f"touchscreen {name} created", flush=True)

    tracking = [0]

    def fingers_down(points):
        for slot, (x, y) in enumerate(points):
            tracking[0] += 1
            emit(fd, EV_ABS, ABS_MT_SLOT, slot)
            emit(fd, EV_ABS, ABS_MT_TRACKING_ID, tracking[0])
            emit(fd, EV_ABS, ABS_MT_POSITION_X, x)
            emit(fd, EV_ABS, ABS_MT_POSITION_Y, y)
        emit(fd, EV_KEY, BTN_TOUCH, 1)
        emit(fd, EV_ABS, ABS_X, points[0][0])
        emit(fd, EV_ABS, ABS_Y, points[0][1])
        emit(fd, EV_SYN, SYN_REPORT, 0)

    def fingers_up(count):
        for slot in range(count):
            emit(fd, EV_ABS, ABS_MT_SLOT, slot)
            emit(fd, EV_ABS, ABS_MT_TRACKING_ID, -1)
        emit(fd, EV_KEY, BTN_TOUCH, 0)
        emit(fd, EV_SYN, SYN_REPORT, 0)

    while True:
        with open(fifo) as commands:
            for line in commands:
                words = line.split()
                if not words:
                    continue
                if words[0] == "quit":
                    destroy(fd)
                    return
                numbers = [int(word) for word in words[1:]]
                points = list(zip(numbers[0::2], numbers[1::2]))
                fingers_down(points)
                time.sleep(0.05)
                fingers_up(len(points))
                print(f"played {line.strip()}", flush=True)


if __name__ == "__main__":
    main()
