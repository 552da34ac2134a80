"""Speed measurements, run with `make bench` (`python -m benchmarks`); not part of the tests."""
