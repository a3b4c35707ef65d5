#!/bin/sh
# Regenerates the demo and test media of cowl-media: a three-track album of test tones with
# tags and a cover image, and a short tagged video with sound. Everything is made by
# GStreamer's own test sources, so the files are free to ship and a few kilobytes each.
#
#   apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
#       && assets/media/make-media.sh
#
# Base gives the sources and Ogg Vorbis/Theora; good gives taginject and pngenc. Tags go in
# before the encoders: the Vorbis and Theora comment headers are written by them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
album="$here/test-tones"
mkdir -p "$album" "$here/video"

# taginject's tags property, quoted twice: once for gst-launch's parser, once for the
# structure inside it (values may hold spaces; numbers are
# unsigned, as track-number and track-count must be).
tags() {
    list=""
    for pair in "$@"; do
        value=${pair#*=}
        case "$value" in
            *[!0-9]*) value="\\\"$value\\\"" ;;
            *) value="(uint)$value" ;;
        esac
        list="$list${list:+,}${pair%%=*}=$value"
    done
    printf 'tags="%s"' "$list"
}

# One tone per track: 44.1 kHz mono, 1024 samples a buffer, so num-buffers sets the length.
tone() { # file, title, track number, frequency, seconds
    buffers=$(( $5 * 44100 / 1024 ))
    gst-launch-1.0 -q audiotestsrc wave=sine freq="$4" volume=0.3 samplesperbuffer=1024 \
            num-buffers="$buffers" \
        ! audio/x-raw,rate=44100,channels=1 \
        ! taginject "$(tags "title=$2" "artist=Cowl Test Band" "album=Test Tones" \
            track-number="$3" track-count=3 genre=Test)" \
        ! audioconvert ! vorbisenc quality=0.1 ! oggmux ! filesink location="$album/$1"
}
tone 01-low-hum.ogg "Low Hum" 1 220 3
tone 02-middle-a.ogg "Middle A" 2 440 3
tone 03-high-beep.ogg "High Beep" 3 880 3

# The album's cover: a folder image, as most music collections carry one.
gst-launch-1.0 -q videotestsrc pattern=smpte num-buffers=1 \
    ! video/x-raw,width=96,height=96 ! videoconvert ! pngenc ! filesink location="$album/cover.png"

# A clip with picture and sound: 4 s at 160x90, 15 frames per second. Its tags ride on the
# sound: theoraenc writes no tags of its own.
gst-launch-1.0 -q oggmux name=mux ! filesink location="$here/video/test-pattern.ogv" \
    videotestsrc pattern=ball num-buffers=60 ! video/x-raw,width=160,height=90,framerate=15/1 \
        ! videoconvert ! theoraenc quality=8 ! mux. \
    audiotestsrc wave=ticks samplesperbuffer=1024 num-buffers=172 \
        ! audio/x-raw,rate=44100,channels=1 \
        ! taginject "$(tags "title=Test Pattern" "artist=Cowl Test Band")" \
        ! audioconvert ! vorbisenc quality=0.1 ! mux.
