"""Fact collectors: turn a feature repository into named fact documents that readiness rules compare."""
