# A stand-in for oe-core's base class: tasks come from the real one in a build.
# Only parsed by scripts/check-layer.py; a real build uses oe-core's.
