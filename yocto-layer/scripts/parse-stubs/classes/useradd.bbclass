# A stand-in for oe-core's useradd class: creates USERADD_PARAM's users at install.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
