"""A stand-in for bitbake's hashserv (the hash equivalence server), which the bitbake-setup
wheel leaves out: bb.siggen imports it, a parse never calls it."""
