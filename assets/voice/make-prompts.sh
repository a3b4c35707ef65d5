#!/bin/sh
# Makes the navigation app's spoken prompts: one short Ogg Vorbis file per thing it says,
# spoken by espeak-ng (British English), 22 kHz mono at low quality: a few kilobytes each.
#
#   apt-get install espeak-ng gstreamer1.0-tools gstreamer1.0-plugins-base \
#       && assets/voice/make-prompts.sh
#
# The file names are what cowl-nav asks for (apps/navigation/src/voice.rs): prepare-TURN
# 200 m before a maneuver (guidance's PREPARE_M), now-TURN at it, arrive, reroute.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/prompts"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() {
    espeak-ng -v en-gb -s 165 -w "$work/$1.wav" "$2"
    gst-launch-1.0 -q filesrc location="$work/$1.wav" ! wavparse ! audioconvert ! \
        audioresample ! audio/x-raw,rate=22050,channels=1 ! vorbisenc quality=0.1 ! \
        oggmux ! filesink location="$out/$1.ogg"
}

for turn in "straight:continue straight" "slight-left:bear left" "left:turn left" \
    "sharp-left:turn sharp left" "slight-right:bear right" "right:turn right" \
    "sharp-right:turn sharp right" "u-turn:make a U-turn"; do
    key=${turn%%:*}
    words=${turn#*:}
    say "prepare-$key" "In 200 metres, $words."
    say "now-$key" "Now $words."
done
say arrive "You have arrived at your destination."
say reroute "Route recalculated."
