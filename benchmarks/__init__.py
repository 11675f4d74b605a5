"""Benchmarks: each `python -m benchmarks.NAME [--quick]` prints a table and writes JSON."""
