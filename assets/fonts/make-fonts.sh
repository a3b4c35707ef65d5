#!/bin/sh
# Regenerates the fonts that Cowl embeds for its chrome: DejaVu Sans (regular and bold) from
# Debian's fonts-dejavu-core, cut down with fontTools' subsetter to the Latin, Greek and
# Cyrillic letters, digits, punctuation and symbols a head unit's status bar, dock and home
# view use (about a tenth of the full files). Text outside them falls back to the system's
# fonts at run time.
#
#   apt-get install fonts-dejavu-core python3-venv && assets/fonts/make-fonts.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_dir=/usr/share/fonts/truetype/dejavu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet 'fonttools==4.60.1'

# Basic Latin, Latin-1, Latin Extended-A, Greek, Cyrillic, general punctuation, degree,
# currency, letterlike symbols, arrows, geometric shapes.
unicodes="U+0020-007E,U+00A0-017F,U+0370-03FF,U+0400-045F,U+2010-205E,U+20A0-20BF,U+2100-214F,U+2190-21FF,U+25A0-25FF"
for face in DejaVuSans DejaVuSans-Bold; do
    "$work/venv/bin/pyftsubset" "$source_dir/$face.ttf" \
        --unicodes="$unicodes" \
        --layout-features='kern,liga,calt,ccmp,locl,mark,mkmk' \
        --no-hinting --desubroutinize \
        --output-file="$here/$face-subset.ttf"
done
cp /usr/share/doc/fonts-dejavu-core/copyright "$here/LICENSE-DejaVu.txt"
ls -l "$here"/*.ttf
