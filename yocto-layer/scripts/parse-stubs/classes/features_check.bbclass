# A stand-in for oe-core's features_check class: REQUIRED_DISTRO_FEATURES.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
