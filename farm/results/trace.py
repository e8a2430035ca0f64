"""The power trace file format, re-exported for the report (it lives in :mod:`farm.trace_file`)."""

from farm.trace_file import WINDOWS_KEY, PowerTrace, read_trace, write_trace

__all__ = ["WINDOWS_KEY", "PowerTrace", "read_trace", "write_trace"]
