SUMMARY = "Cowl's media app: music and video from folders and USB media"
DESCRIPTION = "Plays music and video through GStreamer, keeps a library, serves MPRIS2, \
               follows the car's restrictions (no video while driving) and yields its \
               audio to guidance prompts and calls."
SECTION = "multimedia"

require cowl-source.inc

DEPENDS += "gstreamer1.0 gstreamer1.0-plugins-base"

SRC_URI += "file://cowl-media.service \
            file://org.cowl.Media.conf"

inherit cowl_app

CARGO_SRC_DIR = "apps/media"
COWL_APP_SERVICE = "cowl-media.service"
COWL_APP_USER = "cowl-media"

# MPRIS on the system bus, where Cowl sends the steering-wheel keys.
do_install:append() {
    install -d ${D}${datadir}/dbus-1/system.d
    install -m 0644 ${UNPACKDIR}/org.cowl.Media.conf ${D}${datadir}/dbus-1/system.d/
}

FILES:${PN} += "${datadir}/dbus-1/system.d/org.cowl.Media.conf"

RDEPENDS:${PN} += "gstreamer1.0-plugins-base-app \
                   gstreamer1.0-plugins-base-audioconvert \
                   gstreamer1.0-plugins-base-ogg \
                   gstreamer1.0-plugins-base-playback \
                   gstreamer1.0-plugins-base-videoconvertscale \
                   gstreamer1.0-plugins-base-vorbis \
                   gstreamer1.0-plugins-good-autodetect \
                   gstreamer1.0-plugins-good-flac \
                   gstreamer1.0-plugins-good-isomp4 \
                   gstreamer1.0-plugins-good-wavparse"
