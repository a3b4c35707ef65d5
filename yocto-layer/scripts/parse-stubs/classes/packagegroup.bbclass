# A stand-in for oe-core's packagegroup class.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
