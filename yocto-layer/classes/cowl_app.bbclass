# An app of Cowl's head unit: a system service (COWL_APP_SERVICE, in the recipe's files/) of a
# user of its own (COWL_APP_USER) in the apps' group cowl-apps, which may reach Cowl's
# Wayland socket and call Cowl on the system bus. It starts with cowl-session.target (once
# Cowl is ready: its first frame shown, Shell1 served) and stops with it. One user per app, so
# that Cowl tells the apps apart by the uid of their connections (each is named `user` in
# cowl.toml).

COWL_APP_SERVICE ??= ""
COWL_APP_USER ??= ""

inherit systemd useradd

SYSTEMD_SERVICE:${PN} = "${COWL_APP_SERVICE}"

# Its home is its state folder (the unit's StateDirectory=); it never logs in.
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system cowl-apps"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir ${localstatedir}/lib/${COWL_APP_USER} \
                       --shell /sbin/nologin --gid cowl-apps ${COWL_APP_USER}"

do_install:append() {
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${UNPACKDIR}/${COWL_APP_SERVICE} ${D}${systemd_system_unitdir}/
}

FILES:${PN} += "${systemd_system_unitdir}"

RDEPENDS:${PN} += "cowl-session libxkbcommon vulkan-loader wayland"
RRECOMMENDS:${PN} += "mesa-vulkan-drivers"
