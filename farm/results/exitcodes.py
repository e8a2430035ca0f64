"""Exit codes of the farm's runs and commands, so a CI job can tell the lab from the product.

pytest owns 0-5; the farm adds 6-8:

====  =========================  ==========================================================
code  name                       meaning
====  =========================  ==========================================================
0     OK                         every test passed or was skipped with a reason
1     PRODUCT_FAILURES           at least one product failure (there may be infra errors too)
2     INTERRUPTED                pytest: interrupted (Ctrl-C, ``-x``)
3     INTERNAL_ERROR             pytest: internal error
4     USAGE_ERROR                pytest: usage error; ``farm``: bad input (ConfigError)
5     NO_TESTS                   pytest: nothing collected
6     INFRA_ERRORS_ONLY          no product failure, but infrastructure errors (retry the run)
7     REGRESSIONS                ``farm report --fail-on-regression``: regressions were found
8     PUSH_INCOMPLETE            ``farm push``: the store is unreachable; pending files listed
====  =========================  ==========================================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class FarmExitCode(enum.IntEnum):
    """See the module docstring."""

    OK = 0
    PRODUCT_FAILURES = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS = 5
    INFRA_ERRORS_ONLY = 6
    REGRESSIONS = 7
    PUSH_INCOMPLETE = 8


def run_exit_code(pytest_status: int, outcomes: Mapping[str, int]) -> int:
    """Exit code of a pytest run given its row outcome counts.

    Args:
        pytest_status: ``session.exitstatus`` as pytest computed it.
        outcomes: counts of row outcomes (``{"failed": 2, "error": 1, ...}``); rows whose
            outcome is ``error`` are infrastructure errors by the farm's definition.
    """
    if pytest_status not in (FarmExitCode.OK, FarmExitCode.PRODUCT_FAILURES):
        return int(pytest_status)
    if outcomes.get("failed", 0) > 0:
        return int(FarmExitCode.PRODUCT_FAILURES)
    if outcomes.get("error", 0) > 0:
        return int(FarmExitCode.INFRA_ERRORS_ONLY)
    return int(pytest_status)
