"""A stand-in for hashserv.client: imported by bb.siggen, never called by a parse."""
