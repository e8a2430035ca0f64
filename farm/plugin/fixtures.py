"""The fixtures the HIL suite (``tests/``) builds on.

=============  ==========  ==============================================================
fixture        scope       value
=============  ==========  ==============================================================
``farm``       session     :class:`~farm.plugin.session.FarmSession`: ``settings.values``
                           (:class:`~farm.settings.FarmSettings`), ``inventory``, ``catalog``,
                           ``run_id``, ``run_dir`` (``<reports>/<run_id>/``, shared by all
                           xdist workers), ``leases``, ``quarantine``, ``matrix()``
``model``      function    :class:`~farm.discovery.ModelSpec` (matrix parameter)
``board_pool`` function    :class:`~farm.matrix.BoardPool` (matrix parameter): ``id``,
                           ``target`` (:class:`~farm.catalog.TargetSpec`), ``backend``,
                           ``boards``
``firmware``   function    :class:`~farm.discovery.FirmwareSpec` (matrix parameter)
``board``      function    :class:`LeasedBoard`: one board of ``board_pool``, leased for the
                           test and released after it
=============  ==========  ==============================================================

Order matters: anything slow that does not need the hardware (building the firmware image,
compiling the model blob) belongs in fixtures that do **not** depend on ``board``; fixtures
that flash or talk to the board depend on ``board``, so pytest builds first and leases
second::

    @pytest.fixture
    def image(firmware, board_pool): ...          # built outside the lease

    @pytest.fixture
    def flashed(image, board): ...                # leased here, flashes board.config

Infrastructure errors: raise :class:`farm.errors.InfraError` (or a subclass) from a test or a
fixture. The farm reports it as a pytest *error* naming the board, calls
``pytest_farm_reset_board`` while the lease is still held, retries the test once on a free
board of the pool (the pool's other boards first), and counts the error for the board; a board
with ``quarantine_after`` consecutive infra errors is quarantined and later tests on it skip
with the first cause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from farm.catalog import TargetSpec
from farm.discovery import FirmwareSpec, ModelSpec
from farm.errors import StoreError
from farm.inventory import BoardConfig
from farm.lease import HolderInfo, Lease
from farm.matrix import BoardPool
from farm.plugin.item_state import state_of
from farm.plugin.session import FarmSession, get_session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeasedBoard:
    """The board a test holds: its inventory entry, catalog facts, pool and lease."""

    config: BoardConfig
    target: TargetSpec
    pool: BoardPool
    lease: Lease

    @property
    def id(self) -> str:
        """Board id from the inventory."""
        return self.config.id


@pytest.fixture(scope="session")
def farm(pytestconfig: pytest.Config) -> FarmSession:
    """The farm of this run (settings, inventory, catalog, run id and run directory)."""
    return get_session(pytestconfig)


@pytest.fixture
def model(request: pytest.FixtureRequest) -> ModelSpec:
    """The model of this matrix item (a model whose download failed errors its tests only)."""
    spec: ModelSpec = request.param
    if spec.fetch_error is not None:
        raise StoreError(spec.fetch_error)
    return spec


@pytest.fixture
def board_pool(request: pytest.FixtureRequest) -> BoardPool:
    """The pool of interchangeable boards this matrix item runs on."""
    return request.param


@pytest.fixture
def firmware(request: pytest.FixtureRequest) -> FirmwareSpec:
    """The firmware version of this matrix item."""
    return request.param


@pytest.fixture
def board(
    request: pytest.FixtureRequest, farm: FarmSession, board_pool: BoardPool
) -> Iterator[LeasedBoard]:
    """Lease a free, healthy board of ``board_pool`` for this test (BoardBusyError on timeout)."""
    book = farm.quarantine
    healthy = [b for b in board_pool.boards if not book.health(b.id).quarantined]
    if not healthy:
        reasons = [book.health(b.id).skip_reason() for b in board_pool.boards]
        pytest.skip("; ".join(reasons))
    state = state_of(request.node)
    # A retry tries the boards that did not fail this test first, so one faulty board does not
    # fail it twice (stable sort: pool order otherwise).
    healthy.sort(key=lambda b: b.id in state.failed_boards)
    holder = HolderInfo.current(farm.run_id, request.node.nodeid)
    timeout_s = farm.settings.values.lease_timeout_s
    leases = request.config.hook.pytest_farm_leases(farm=farm) or farm.leases
    lease = leases.acquire([b.id for b in healthy], holder, timeout_s)
    config = next(b for b in healthy if b.id == lease.board_id)
    state.board = config
    try:
        yield LeasedBoard(config, board_pool.target, board_pool, lease)
    finally:
        error = state.infra_error
        try:
            if error is not None and error.board in (None, config.id):
                state.failed_boards.append(config.id)
                request.config.hook.pytest_farm_reset_board(board=config, error=error)
        finally:
            lease.release()
            _log_span(farm, lease, request.node.nodeid)


def _log_span(farm: FarmSession, lease: Lease, test_id: str) -> None:
    """Record how long the board was held (the report's busy fraction per board)."""
    from farm.results.leaselog import LeaseSpan, append_span

    end_s = time.time()
    start_s = end_s - (time.monotonic() - lease.acquired_monotonic)
    try:
        append_span(farm.run_dir, LeaseSpan(lease.board_id, test_id, start_s, end_s))
    except OSError:  # a lost span costs one busy figure, never the test
        log.exception("cannot record the lease span of %s", test_id)
