#!/usr/bin/env python3
"""Writes demo-drive.log, the candump recording of Cowl's demo drive, from cowl-demo.dbc.

The drive (80 s): parked with the parking brake on; brake released and D selected; through
town with a stop at a light and a tunnel (dark: low beam on); stopped; R selected and
reversing into a space; P and the parking brake; parked again. A steering-wheel key press
or two on the way. Frames are encoded by cantools, the reference, not by Cowl's own code.

The telematics unit's GNSS fixes (5 Hz) follow real streets of the bundled Helsinki extract:
west along Pohjoisesplanadi, a stop at the light before Mannerheimintie, right onto it
towards the Amos Rex museum (the demo navigation's destination). The street path is the
quickest route by the independent router of assets/map/route-reference.py, so the map
extract must be there (assets/map/fetch-extract.sh). Fixes carry a seeded noise of a few
metres, as GNSS in a city does; the tunnel has none; reversing turns the course around.

    python3 -m venv /tmp/venv
    /tmp/venv/bin/pip install cantools==45.1.0 osmium==4.3.2 networkx==3.6.1
    assets/map/fetch-extract.sh && /tmp/venv/bin/python assets/vehicle/make-demo-drive.py
"""

import importlib.util
import math
import pathlib
import random

import cantools

HERE = pathlib.Path(__file__).resolve().parent
START = 1764400000  # the recording's first second, an arbitrary epoch time
DURATION = 80.0
# Hz of each message, as the DBC's comments say.
RATES = {"ESC_WheelSpeeds": 10, "TCM_Gear": 5, "BCM_Lights": 2, "ECM_Environment": 1}
GEARS = {"P": 0, "R": 1, "N": 2, "D": 3}
GNSS_RATE = 5
# Where the drive starts: an OpenStreetMap node on Pohjoisesplanadi, 186 m east of
# Mannerheimintie; and where it heads: the Amos Rex node.
START_NODE = 1156114391
AMOS_REX = (60.1706504, 24.9364049)
# GNSS noise: a steady offset and a wander, metres (standard deviation).
GNSS_BIAS_M = (2.0, -1.5)
GNSS_SIGMA_M = 1.5


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


def in_tunnel(t):
    return 44 <= t < 52


def state(t):
    dark = in_tunnel(t)
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


def street_path():
    """The quickest path (lat, lon points) from START_NODE to the node nearest Amos Rex."""
    spec = importlib.util.spec_from_file_location(
        "route_reference", HERE.parent / "map" / "route-reference.py")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    reader = reference.Reader()
    reader.apply_file(reference.EXTRACT, locations=True)
    graph = reference.build_graph(reader)
    turns = reference.edge_graph(graph, reference.banned_transitions(reader, graph), True)
    at = {node: point for nodes, _ in reader.ways.values() for node, point in nodes if point}
    target = min(graph.nodes, key=lambda node: reference.haversine(at[node], AMOS_REX))
    start, end = ("start",), ("end",)
    for edge in graph.out_edges(START_NODE, keys=True):
        turns.add_edge(start, edge, millis=graph.edges[edge]["millis"])
    for edge in graph.in_edges(target, keys=True):
        turns.add_edge(edge, end, millis=0)
    edges = reference.networkx.dijkstra_path(turns, start, end, weight="millis")[1:-1]
    return [at[edges[0][0]]] + [at[edge[1]] for edge in edges]


def metres_between(a, b):
    """(east, north) metres from a to b, flat: fine over a few hundred metres."""
    north = math.radians(b[0] - a[0]) * 6371008.8
    east = math.radians(b[1] - a[1]) * 6371008.8 * math.cos(math.radians(a[0]))
    return east, north


def point_along(path, metres):
    """The point `metres` along the path, and the course there (degrees from north)."""
    for a, b in zip(path, path[1:]):
        east, north = metres_between(a, b)
        length = math.hypot(east, north)
        if metres <= length or b == path[-1]:
            share = min(metres / length, 1.0) if length else 0.0
            point = (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
            return point, math.degrees(math.atan2(east, north)) % 360
        metres -= length
    raise ValueError("empty path")


def gnss_fixes(path):
    """(t, position values, course values) at GNSS_RATE, none in the tunnel."""
    noise = random.Random(2026)
    driven = 0.0
    fixes = []
    for tick in range(int(DURATION * GNSS_RATE)):
        t = tick / GNSS_RATE
        if tick:
            # Speed in km/h, backwards in R: integrated over the last tick.
            step = (speed(t - 1 / GNSS_RATE) + speed(t)) / 2 / 3.6 / GNSS_RATE
            driven += -step if gear(t) == "R" else step
        (lat, lon), course = point_along(path, driven)
        if gear(t) == "R" and speed(t) > 0:
            course = (course + 180) % 360
        east = GNSS_BIAS_M[0] + noise.gauss(0, GNSS_SIGMA_M)
        north = GNSS_BIAS_M[1] + noise.gauss(0, GNSS_SIGMA_M)
        if in_tunnel(t):
            continue
        lat += math.degrees(north / 6371008.8)
        lon += math.degrees(east / (6371008.8 * math.cos(math.radians(lat))))
        fixes.append((t, {"Latitude": round(lat, 7), "Longitude": round(lon, 7)},
                      {"Heading": round(course, 2), "HorizontalAccuracy": 5.0, "FixType": 3}))
    return fixes


def main():
    db = cantools.database.load_file(str(HERE / "cowl-demo.dbc"))
    events = []
    for name, rate in RATES.items():
        message = db.get_message_by_name(name)
        for tick in range(int(DURATION * rate)):
            t = tick / rate
            events.append((t, message, state(t)[name]))
    position = db.get_message_by_name("TCU_GnssPosition")
    course = db.get_message_by_name("TCU_GnssCourse")
    for t, at, heading in gnss_fixes(street_path()):
        events.append((t, position, at))
        events.append((t, course, heading))
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
