SUMMARY = "Cowl and its apps: what a head unit runs"
DESCRIPTION = "The compositor with its units, D-Bus policy, configuration and CAN \
               bring-up, the navigation and media apps. packagegroup-cowl-dev adds the \
               simulated phone-projection daemon for development images."
BUGTRACKER = "https://example.invalid/cowl/issues"
SECTION = "graphics"

PACKAGE_ARCH = "${TUNE_PKGARCH}"

inherit packagegroup

PACKAGES = "${PN} ${PN}-dev"

RDEPENDS:${PN} = "cowl \
                  cowl-can \
                  cowl-media \
                  cowl-nav \
                  cowl-session \
                  iproute2 \
                  seatd"
RDEPENDS:${PN}-dev = "${PN} cowl-phone-sim"
