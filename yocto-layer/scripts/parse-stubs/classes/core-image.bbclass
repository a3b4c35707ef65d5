# A stand-in for oe-core's core-image class (image.bbclass).
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
