SUMMARY = "Cowl's navigation app: the map, routes and spoken guidance"
DESCRIPTION = "An offline map drawn with wgpu (Vulkan), routes along the car's roads, \
               guidance from the car's GNSS position, and places search that hides its \
               keyboard while the car moves."
SECTION = "graphics"

require cowl-source.inc

# GStreamer speaks the prompts; Vulkan (wgpu) and Wayland are loaded at run time.
DEPENDS += "gstreamer1.0"

SRC_URI += "file://cowl-nav.service"

inherit cowl_app

CARGO_SRC_DIR = "apps/navigation"
COWL_APP_SERVICE = "cowl-nav.service"
COWL_APP_USER = "cowl-nav"

do_install:append() {
    install -d ${D}${datadir}/cowl/map ${D}${datadir}/cowl/voice/prompts
    install -m 0644 ${S}/assets/map/helsinki.cowlmap ${D}${datadir}/cowl/map/
    install -m 0644 ${S}/assets/voice/prompts/*.ogg ${D}${datadir}/cowl/voice/prompts/
}

# The map maker (OpenStreetMap extract to .cowlmap) is a tool for the build host or a
# developer, not for the car.
PACKAGES =+ "${PN}-mapgen"

FILES:${PN} += "${datadir}/cowl"
FILES:${PN}-mapgen += "${bindir}/cowl-nav-mapgen"

RDEPENDS:${PN} += "gstreamer1.0-plugins-base-audioconvert \
                   gstreamer1.0-plugins-base-ogg \
                   gstreamer1.0-plugins-base-playback \
                   gstreamer1.0-plugins-base-vorbis \
                   gstreamer1.0-plugins-good-autodetect"
