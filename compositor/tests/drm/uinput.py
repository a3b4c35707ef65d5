"""What the DRM VM test's virtual input devices (touchscreen.py, keyboard.py) share: making
a device through the kernel's uinput and writing its events.

Only the standard library: the struct layouts and ioctl numbers are linux/uinput.h's.
"""

import fcntl
import os
import struct

EV_SYN, EV_KEY, EV_ABS = 0, 1, 3
SYN_REPORT = 0
BUS_VIRTUAL = 0x06
VENDOR = 0x1234

UI_SET_EVBIT = 0x40045564
UI_SET_KEYBIT = 0x40045565
UI_SET_ABSBIT = 0x40045567
UI_SET_PROPBIT = 0x4004556E
UI_DEV_CREATE = 0x5501
UI_DEV_DESTROY = 0x5502
ABS_CNT = 64


def create(name, product, keys, axes=None, props=()):
    """A device called NAME (product id PRODUCT) reporting the key codes KEYS and the
    absolute axes AXES ({axis: maximum}, each from 0), with the input properties PROPS.
    Returns its descriptor, for `emit` and `destroy`."""
    axes = axes or {}
    fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    for bit in (EV_SYN, EV_KEY) + ((EV_ABS,) if axes else ()):
        fcntl.ioctl(fd, UI_SET_EVBIT, bit)
    for key in keys:
        fcntl.ioctl(fd, UI_SET_KEYBIT, key)
    for prop in props:
        fcntl.ioctl(fd, UI_SET_PROPBIT, prop)
    maximum = [0] * ABS_CNT
    for axis, top in axes.items():
        fcntl.ioctl(fd, UI_SET_ABSBIT, axis)
        maximum[axis] = top
    # struct uinput_user_dev: name[80], input_id (4 x u16), ff_effects_max, then absmax,
    # absmin, absfuzz and absflat, ABS_CNT s32 each.
    device = struct.pack(
        "80sHHHHI" + "i" * (4 * ABS_CNT),
        name.encode(),
        BUS_VIRTUAL,
        VENDOR,
        product,
        1,
        0,
        *maximum,
        *([0] * (3 * ABS_CNT)),
    )
    os.write(fd, device)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    return fd


def emit(fd, kind, code, value):
    """One event. Its time is left zero: the kernel stamps events that come through uinput."""
    # struct input_event: a timeval, type, code, value.
    os.write(fd, struct.pack("llHHi", 0, 0, kind, code, value))


def destroy(fd):
    fcntl.ioctl(fd, UI_DEV_DESTROY)
    os.close(fd)
