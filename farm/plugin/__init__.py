"""pytest plugin, registered as ``pytest11: farm = farm.plugin``; this module only re-exports.

Options: :mod:`farm.plugin.options`; hooks: :mod:`farm.plugin.hooks`; fixtures and their
contract: :mod:`farm.plugin.fixtures`; hooks other areas implement: :mod:`farm.plugin.newhooks`;
each test's state (board, record, verdicts; the row's one source): :mod:`farm.plugin.item_state`;
every use of pytest's private API: :mod:`farm.plugin.pytest_internals`.
"""

from farm.plugin.fixtures import LeasedBoard, board, board_pool, farm, firmware, model
from farm.plugin.hooks import (
    pytest_addhooks,
    pytest_configure,
    pytest_farm_reset_board,
    pytest_generate_tests,
    pytest_report_teststatus,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    pytest_runtest_setup,
    pytest_sessionstart,
    pytest_terminal_summary,
)
from farm.plugin.options import pytest_addoption
from farm.plugin.session import FarmSession, get_session

# The HIL suite's fixtures and the result-row recorder are plugins of their own.
pytest_plugins = [
    "farm.plugin.recording",
    "farm.plugin.hil",
    "farm.plugin.progress",
    "farm.plugin.matrix_params",
    "farm.plugin.schedule",
    "farm.plugin.target_power",
]

__all__ = [
    "pytest_plugins",
    "FarmSession",
    "LeasedBoard",
    "board",
    "board_pool",
    "farm",
    "firmware",
    "get_session",
    "model",
    "pytest_addhooks",
    "pytest_addoption",
    "pytest_configure",
    "pytest_farm_reset_board",
    "pytest_generate_tests",
    "pytest_report_teststatus",
    "pytest_runtest_logreport",
    "pytest_runtest_makereport",
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_sessionstart",
    "pytest_terminal_summary",
]
