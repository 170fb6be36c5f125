"""Benchmarks of gooru-lti against servers started on 127.0.0.1; see docs/benchmarks.md."""
