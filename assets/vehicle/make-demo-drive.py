#!/usr/bin/env python3
"""Writes demo-drive.log, the candump recording of Cowl's demo drive, from cowl-demo.dbc.

The drive (80 s): parked with the parking brake on; brake released and D selected; through
town with a stop at a light and a tunnel (dark: low beam on); stopped; R selected and
reversing into a space; P and the parking brake; parked again. A steering-wheel key press
or two on the way. Frames are encoded by cantools, the reference, not by Cowl's own code.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install cantools==45.1.0
    /tmp/venv/bin/python assets/vehicle/make-demo-drive.py
"""

import pathlib

import cantools

HERE = pathlib.Path(__file__).resolve().parent
START = 1764400000  # the recording's first second, an arbitrary epoch time
DURATION = 80.0
# Hz of each message, as the DBC's comments say.
RATES = {"ESC_WheelSpeeds": 10, "TCM_Gear": 5, "BCM_Lights": 2, "ECM_Environment": 1}
GEARS = {"P": 0, "R": 1, "N": 2, "D": 3}


def ramp(t, t0, t1, v0, v1):
    if t <= t0:
        return v0
    if t >= t1:
        return v1
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def speed(t):
    """km/h: two stretches in town with a stop between, then a slow reverse."""
    if 12 <= t < 30:
        return ramp(t, 12, 20, 0, 50) if t < 26 else ramp(t, 26, 30, 50, 0)
    if 36 <= t < 58:
        return ramp(t, 36, 42, 0, 50) if t < 54 else ramp(t, 54, 58, 50, 0)
    if 63 <= t < 71:
        return ramp(t, 63, 65, 0, 6) if t < 69 else ramp(t, 69, 71, 6, 0)
    return 0.0


def gear(t):
    if t < 11:
        return "P"
    if t < 60:
        return "D"
    if t < 72:
        return "R"
    return "P"


def state(t):
    dark = 44 <= t < 52  # the tunnel
    return {
        "ESC_WheelSpeeds": {
            "VehicleSpeed": round(speed(t), 2),
            "SpeedValid": 1,
            "Counter": int(t * 10) % 16,
        },
        "TCM_Gear": {
            "CurrentGear": GEARS[gear(t)],
            "SelectedGear": GEARS[gear(t + 0.4)],
            "ShiftInProgress": int(gear(t) != gear(t + 0.4)),
        },
        "BCM_Lights": {
            "LowBeam": int(dark),
            "HighBeam": 0,
            "ParkingBrake": int(t < 10 or t >= 73),
            "AmbientLight": 800 if dark else 20000,
        },
        "ECM_Environment": {
            "AirTemperature": 18.5,
            "CoolantTemperature": round(ramp(t, 0, 60, 40, 90)),
            "EngineSpeed": 800 + speed(t) * 40,
            "FuelLevel": 62.5,
        },
    }


def main():
    db = cantools.database.load_file(str(HERE / "cowl-demo.dbc"))
    events = []
    for name, rate in RATES.items():
        message = db.get_message_by_name(name)
        for tick in range(int(DURATION * rate)):
            t = tick / rate
            events.append((t, message, state(t)[name]))
    keys = db.get_message_by_name("SWC_Keys")
    events.append((24.05, keys, {"KeyPage": 0, "MediaKey": 1, "VolumeSteps": 0}))
    events.append((24.25, keys, {"KeyPage": 0, "MediaKey": 0, "VolumeSteps": 0}))
    events.append((40.05, keys, {"KeyPage": 0, "MediaKey": 0, "VolumeSteps": 2}))
    events.sort(key=lambda event: (event[0], event[1].frame_id))
    lines = []
    for t, message, values in events:
        data = message.encode(values)
        width = 8 if message.is_extended_frame else 3
        stamp = f"{START + int(t)}.{round((t % 1) * 1e6):06d}"
        lines.append(f"({stamp}) can0 {message.frame_id:0{width}X}#{data.hex().upper()}")
    (HERE / "demo-drive.log").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
