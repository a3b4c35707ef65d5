#!/bin/sh
# Makes assets/map/helsinki.cowlmap, the navigation app's map, from the Helsinki extract
# (fetched by fetch-extract.sh) with the preprocessing tool, cowl-nav-mapgen. A test checks
# that the committed map is what the tool makes now: run this after changing the tool or
# its tag rules (apps/navigation/src/osm_rules.rs), then remake the route fixtures
# (route-reference.py).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
"$here/fetch-extract.sh"
cd "$here/../.."
cargo run --quiet --release -p cowl-nav --bin cowl-nav-mapgen -- \
    "$here/extract/Helsinki.osm.pbf" "$here/helsinki.cowlmap"
