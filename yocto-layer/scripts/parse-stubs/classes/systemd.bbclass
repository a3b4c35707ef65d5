# A stand-in for oe-core's systemd class: enables SYSTEMD_SERVICE in the image.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
