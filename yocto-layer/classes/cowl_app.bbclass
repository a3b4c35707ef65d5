# An app of Cowl's head unit: a systemd user service of the cowl-apps user, started with
# cowl-session.target (once Cowl is ready: its first frame shown, Shell1 served) and
# stopped with it, reaching Cowl on the system bus. The recipe sets COWL_APP_SERVICE, the unit in its files/.

COWL_APP_SERVICE ??= ""

do_install:append() {
    install -d ${D}${systemd_user_unitdir}/cowl-session.target.wants
    install -m 0644 ${UNPACKDIR}/${COWL_APP_SERVICE} ${D}${systemd_user_unitdir}/
    ln -s ../${COWL_APP_SERVICE} \
        ${D}${systemd_user_unitdir}/cowl-session.target.wants/${COWL_APP_SERVICE}
}

FILES:${PN} += "${systemd_user_unitdir}"

RDEPENDS:${PN} += "cowl-session libxkbcommon vulkan-loader wayland"
RRECOMMENDS:${PN} += "mesa-vulkan-drivers"
