"""Fixtures of the fault tests (defined in support.py, next to the helpers they use)."""

from tests.faults.support import processes, setup  # noqa: F401
