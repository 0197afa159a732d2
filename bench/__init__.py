"""Benchmarks, load and fault scripts (issue 7). Run from the repository root: `make bench`."""
