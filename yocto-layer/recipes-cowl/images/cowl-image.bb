SUMMARY = "A head-unit image that boots to Cowl"
DESCRIPTION = "A systemd image that starts Cowl on graphical.target, with the navigation \
               and media apps as hardened services of their own users, the car's CAN bus \
               on can0 and Cowl on the system bus."
BUGTRACKER = "https://example.invalid/cowl/issues"
SECTION = "images"
LICENSE = "MIT"
# An image has no code of its own for CVE databases to name; its packages have theirs.
CVE_PRODUCT = ""

IMAGE_INSTALL = "packagegroup-core-boot packagegroup-cowl ${CORE_IMAGE_EXTRA_INSTALL}"
IMAGE_LINGUAS = ""

inherit core-image features_check

REQUIRED_DISTRO_FEATURES = "opengl systemd vulkan wayland"

SYSTEMD_DEFAULT_TARGET = "graphical.target"
