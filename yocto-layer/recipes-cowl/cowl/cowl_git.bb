SUMMARY = "Cowl, the head unit's Wayland compositor and HMI policy engine"
DESCRIPTION = "Cowl owns the head unit's displays and touchscreens: it places the apps by \
               app_id, draws the status bar, dock and safety overlays, reads the car's \
               signals from SocketCAN through its DBC file and enforces what the driver \
               may see while moving. cowlctl controls it over D-Bus."
SECTION = "graphics"

require cowl-source.inc

# pixman (the software renderer), xkbcommon (keymaps), libwayland's server (the clients'
# dispatch) and the DRM backend's udev, libinput, GBM and libseat are linked into cowl; EGL
# and GLES are loaded at run time. gstreamer-rs is
# linked only into cowl-camera, the rear camera's helper process (installed beside cowl).
DEPENDS += "gstreamer1.0 \
            gstreamer1.0-plugins-base \
            libinput \
            libxkbcommon \
            pixman \
            seatd \
            udev \
            virtual/egl \
            virtual/libgbm \
            virtual/libgles2 \
            wayland"

SRC_URI += "file://70-cowl-touchscreen.rules \
            file://80-cowl-can0.network \
            file://cowl-session.target \
            file://cowl.service \
            file://cowl.toml \
            file://org.cowl.conf"

inherit systemd useradd

CARGO_SRC_DIR = "compositor"

# The vehicle's DBC file and its mapping onto VSS, installed as /etc/cowl/vehicle.dbc and
# /etc/cowl/vehicle.toml: the demo car by default. A bbappend for a real car adds its own
# files to SRC_URI and points these at them (in ${UNPACKDIR}).
COWL_DBC ??= "${S}/assets/vehicle/cowl-demo.dbc"
COWL_VEHICLE_MAPPING ??= "${S}/assets/vehicle/cowl-demo.toml"
# The CAN bus's bitrate, written into can0's systemd-networkd configuration.
COWL_CAN_BITRATE ??= "500000"
# The connector whose output the touchscreen drives (udev's WL_OUTPUT property).
COWL_TOUCHSCREEN_OUTPUT ??= "DSI-1"

do_install:append() {
    install -d ${D}${sysconfdir}/cowl
    install -m 0644 ${UNPACKDIR}/cowl.toml ${D}${sysconfdir}/cowl/cowl.toml
    install -m 0644 ${COWL_DBC} ${D}${sysconfdir}/cowl/vehicle.dbc
    install -m 0644 ${COWL_VEHICLE_MAPPING} ${D}${sysconfdir}/cowl/vehicle.toml

    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${UNPACKDIR}/cowl.service ${D}${systemd_system_unitdir}/cowl.service

    install -d ${D}${datadir}/dbus-1/system.d
    install -m 0644 ${UNPACKDIR}/org.cowl.conf ${D}${datadir}/dbus-1/system.d/org.cowl.conf

    install -d ${D}${nonarch_base_libdir}/udev/rules.d
    sed -e 's/@OUTPUT@/${COWL_TOUCHSCREEN_OUTPUT}/' ${UNPACKDIR}/70-cowl-touchscreen.rules \
        > ${D}${nonarch_base_libdir}/udev/rules.d/70-cowl-touchscreen.rules

    install -d ${D}${nonarch_libdir}/systemd/network
    sed -e 's/@BITRATE@/${COWL_CAN_BITRATE}/' ${UNPACKDIR}/80-cowl-can0.network \
        > ${D}${nonarch_libdir}/systemd/network/80-cowl-can0.network

    # The apps' session: each app's unit is wanted by it, and it starts once Cowl is ready.
    install -m 0644 ${UNPACKDIR}/cowl-session.target ${D}${systemd_system_unitdir}/
}

PACKAGES =+ "${PN}-can ${PN}-session"

SYSTEMD_SERVICE:${PN} = "cowl.service"
SYSTEMD_SERVICE:${PN}-session = "cowl-session.target"

# Cowl runs as its own user; its primary group is the apps' group, so that the apps (each a
# user of its own in that group, cowl_app.bbclass) may connect to its Wayland socket. It
# reaches seatd (seat), the GPU's render node (render) and the rear camera (video); seatd
# hands it the displays and input devices. groupadd is skipped for a group that exists
# (video always does; render and seat come with udev and seatd).
USERADD_PACKAGES = "${PN} ${PN}-session"
GROUPADD_PARAM:${PN} = "--system cowl-apps; --system render; --system seat"
GROUPADD_PARAM:${PN}-session = "--system cowl-apps"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir /run/cowl --shell /sbin/nologin \
                       --gid cowl-apps --groups video,render,seat cowl"

FILES:${PN} += "${datadir}/dbus-1/system.d/org.cowl.conf \
                ${nonarch_base_libdir}/udev/rules.d/70-cowl-touchscreen.rules"
FILES:${PN}-can += "${nonarch_libdir}/systemd/network/80-cowl-can0.network"
FILES:${PN}-session += "${systemd_system_unitdir}/cowl-session.target"
CONFFILES:${PN} = "${sysconfdir}/cowl/cowl.toml \
                   ${sysconfdir}/cowl/vehicle.dbc \
                   ${sysconfdir}/cowl/vehicle.toml"

RDEPENDS:${PN} = "dbus \
                  gstreamer1.0-plugins-base-app \
                  gstreamer1.0-plugins-base-videoconvertscale \
                  gstreamer1.0-plugins-base-videotestsrc \
                  gstreamer1.0-plugins-good-video4linux2 \
                  seatd \
                  xkeyboard-config"
RDEPENDS:${PN}-can = "systemd"
RDEPENDS:${PN}-session = "systemd"
RRECOMMENDS:${PN} = "${PN}-can ${PN}-session libegl-mesa libgles2-mesa"
