# A stand-in for oe-core's pkgconfig class.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
