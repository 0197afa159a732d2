"""Benchmarks (not tests): `make bench-sweep`."""
