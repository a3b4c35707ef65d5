#!/usr/bin/python3
"""A virtual keyboard through the kernel's uinput, for the DRM backend's VM test.

    keyboard.py NAME FIFO

creates a keyboard called NAME (every key of a PC keyboard, so that udev calls it one),
then reads commands from FIFO, one per line, and plays them as fingers would:

    chord CODE...    presses the keys (linux/input-event-codes.h numbers) in order, then
                     lets them go in the reverse order
    quit

Only the standard library, through uinput.py beside it.
"""

import sys
import time

from uinput import EV_KEY, EV_SYN, SYN_REPORT, create, destroy, emit

# KEY_ESC (1) up to KEY_MICMUTE (248): what a full keyboard reports.
KEYS = range(1, 249)


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
    fd = create(name, 0x5679, KEYS)
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
        destroy(fd)


if __name__ == "__main__":
    main()
