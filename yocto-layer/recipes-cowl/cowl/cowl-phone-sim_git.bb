SUMMARY = "A simulated phone-projection daemon for Cowl, for development and tests"
DESCRIPTION = "Serves org.cowl.Projection1 as an Android Auto or CarPlay stack would and \
               shows a simulated phone screen. Not for a production image: \
               packagegroup-cowl leaves it out, packagegroup-cowl-dev brings it."
SECTION = "devel"

require cowl-source.inc

DEPENDS += "gstreamer1.0 gstreamer1.0-plugins-base"

SRC_URI += "file://cowl-phone-sim.service \
            file://org.cowl.Projection.conf"

inherit cowl_app

CARGO_SRC_DIR = "apps/phone-sim"
COWL_APP_SERVICE = "cowl-phone-sim.service"
COWL_APP_USER = "cowl-phone"

do_install:append() {
    install -d ${D}${datadir}/dbus-1/system.d
    install -m 0644 ${UNPACKDIR}/org.cowl.Projection.conf ${D}${datadir}/dbus-1/system.d/
}

FILES:${PN} += "${datadir}/dbus-1/system.d/org.cowl.Projection.conf"

RDEPENDS:${PN} += "gstreamer1.0-plugins-base-app \
                   gstreamer1.0-plugins-base-pango \
                   gstreamer1.0-plugins-base-videoconvertscale \
                   gstreamer1.0-plugins-base-videotestsrc"
