"""One test's farm state (:class:`TestState`), kept in the item's stash: the single source of
its result row.

===================  ===============================================================  ========
field                written by                                                       lifetime
===================  ===============================================================  ========
``model``, ``pool``  the matrix parameters, read once when the state is created       item
``firmware``         (on first use: at collection where the scheduler plans the run)
``failed_boards``    boards that raised an infra error in an earlier attempt          item
``started``          :meth:`TestState.begin_attempt` (``pytest_runtest_setup``)       attempt
``board``            the ``board`` fixture, when it holds the lease                   attempt
``record``           fixtures and test bodies: ``record.set(latency_ms=...)``         attempt
``phases``           :func:`classify`, once per setup/call/teardown report            attempt
===================  ===============================================================  ========

The farm retries a test once after an infrastructure error; an attempt starts with a clean
record, board and phases, so nothing of a failed attempt leaks into the row. Whether a phase
is the lab's fault or the product's is decided in :func:`classify` only; the retry, the reset
hook, the quarantine count, pytest's "error" status and the row's outcome all read its verdict.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from farm.discovery import FirmwareSpec, ModelSpec
from farm.errors import FarmError, InfraError, error_kind
from farm.inventory import BoardConfig
from farm.matrix import BoardPool
from farm.plugin.pytest_internals import call_params
from farm.results.schema import Outcome, ResultRow, TestKind
from farm.virtual.boards import is_twin

log = logging.getLogger(__name__)

KIND_PREFIX = "test_"
PHASES = ("setup", "call", "teardown")

# Row fields the state knows from the matrix item, the lease and pytest's reports; a test
# cannot record them (one source each).
IDENTITY_FIELDS = frozenset({
    "run_id", "test_id", "test_kind", "model", "model_sha256", "model_source",
    "model_version_id", "model_family", "task", "target", "backend", "virtual",
    "flash_limit_bytes", "ram_limit_bytes", "firmware", "firmware_version", "board_id", "host",
    "outcome", "reason", "error_kind", "error_details", "started_at", "finished_at",
    "duration_s", "worker",
})  # fmt: skip


class RowDraft:
    """Measurements and method fields a test records; they become :class:`ResultRow` fields."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def set(self, **fields: Any) -> None:
        """Record fields of the row (names and units as in :class:`ResultRow`)."""
        unknown = set(fields) - set(ResultRow.model_fields)
        if unknown:
            raise TypeError(
                f"record.set: unknown result fields {sorted(unknown)}; "
                "use the field names of farm.results.schema.ResultRow"
            )
        owned = set(fields) & IDENTITY_FIELDS
        if owned:
            raise TypeError(
                f"record.set: fields {sorted(owned)} come from the matrix item, the lease and "
                "pytest's reports; record measurements and methods only"
            )
        self.fields.update({k: v for k, v in fields.items() if v is not None})


@dataclass(frozen=True)
class PhaseVerdict:
    """How one phase (setup, call or teardown) of an attempt ended, classified once."""

    when: str
    outcome: Outcome
    reason: str | None = None
    error_kind: str | None = None
    """``farm.errors.error_kind`` of an error (the lab's or a broken fixture's); None else."""
    infra: InfraError | None = None
    """The lab's fault: retried, resets the board, counts towards its quarantine."""
    details: str | None = None
    """pytest's long representation of a failed phase."""


def classify(call: pytest.CallInfo[None], report: pytest.TestReport) -> PhaseVerdict:
    """The verdict of one phase: the only place that tells the lab's faults from the product's.

    An InfraError is the lab's fault wherever it is raised. ``pytest.fail`` and the farm's
    non-infra errors (a model that does not compile, a firmware refusal) are verdicts on the
    product even from a fixture; any other exception outside the test body is a broken
    fixture, which pytest calls an error and the farm counts with the lab's (kind "error").
    """
    exc = call.excinfo.value if call.excinfo is not None else None
    infra = (
        exc if isinstance(exc, InfraError) and not isinstance(exc, pytest.skip.Exception) else None
    )
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else None
        text = str(reason).removeprefix("Skipped: ") if reason else None
        return PhaseVerdict(call.when, Outcome.SKIPPED, text, infra=infra)
    if not report.failed:
        return PhaseVerdict(call.when, Outcome.PASSED, infra=infra)
    if exc is None:  # a report pytest failed without an exception: the product's
        return PhaseVerdict(call.when, Outcome.FAILED, details=report.longreprtext)
    if isinstance(exc, InfraError):
        kind: str | None = error_kind(exc)
    elif call.when == "call" or isinstance(exc, FarmError | pytest.fail.Exception):
        kind = None
    else:
        kind = "error"
    outcome = Outcome.FAILED if kind is None else Outcome.ERROR
    return PhaseVerdict(
        call.when, outcome, _exception_message(exc), kind, infra, details=report.longreprtext
    )


def _exception_message(exc: BaseException) -> str:
    """The exception's own message (first line, bounded), or its type when it has none."""
    lines = str(exc).strip().splitlines()
    return lines[0][:500] if lines else type(exc).__name__


@dataclass
class TestState:
    """What the farm knows about one test item; see the module docstring for who writes what."""

    __test__ = False  # not a test class, whatever pytest's name rules say

    nodeid: str
    test_kind: str
    model: ModelSpec | None = None
    pool: BoardPool | None = None
    firmware: FirmwareSpec | None = None
    failed_boards: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    board: BoardConfig | None = None
    record: RowDraft = field(default_factory=RowDraft)
    phases: dict[str, PhaseVerdict] = field(default_factory=dict)

    @classmethod
    def of_item(cls, item: pytest.Item) -> TestState:
        """The state of a new item, from its matrix parameters (None where it has none)."""
        params = call_params(item)
        model, pool, firmware = (params.get(k) for k in ("model", "board_pool", "firmware"))
        return cls(
            nodeid=item.nodeid,
            test_kind=_test_kind(item),
            model=model if isinstance(model, ModelSpec) else None,
            pool=pool if isinstance(pool, BoardPool) else None,
            firmware=firmware if isinstance(firmware, FirmwareSpec) else None,
        )

    def begin_attempt(self) -> None:
        """Forget the previous attempt (the item's failed boards stay)."""
        self.started = datetime.now(UTC)
        self.board = None
        self.record = RowDraft()
        self.phases = {}

    @property
    def virtual(self) -> bool:
        """Measured on the virtual lab: the leased board is a twin, or, before a lease, every
        board of the pool is."""
        if self.board is not None:
            return is_twin(self.board)
        return self.pool is not None and all(is_twin(b) for b in self.pool.boards)

    @property
    def infra_error(self) -> InfraError | None:
        """The first infrastructure error of this attempt."""
        return next((v.infra for v in self.phases.values() if v.infra is not None), None)

    def verdict(self) -> PhaseVerdict:
        """The attempt's verdict: its first skipped or failed phase, else passed."""
        for when in PHASES:
            phase = self.phases.get(when)
            if phase is not None and phase.outcome is not Outcome.PASSED:
                return phase
        return PhaseVerdict("call", Outcome.PASSED)

    def identity(self, run_id: str, host: str | None) -> dict[str, Any]:
        """The row's identity fields (None-valued fields left out)."""
        fields: dict[str, Any] = {"run_id": run_id, "test_id": self.nodeid}
        fields["test_kind"] = self.test_kind
        if self.model is not None:
            meta = self.model.metadata
            fields.update(model=self.model.key, model_sha256=self.model.sha256 or None)
            fields.update(model_source=self.model.source)
            fields.update(model_version_id=self.model.source_version)
            fields.update(model_family=meta.get("family"), task=meta.get("task"))
            fields.update(macs=meta.get("macs"))
        if self.pool is not None:
            fields.update(target=self.pool.target.name, backend=self.pool.backend)
            fields["virtual"] = self.virtual
            fields["flash_limit_bytes"] = self.pool.target.flash_bytes
            fields["ram_limit_bytes"] = self.pool.target.ram_bytes
        if self.firmware is not None:
            fields.update(firmware=self.firmware.name, firmware_version=self.firmware.version)
        if self.board is not None:
            fields["board_id"] = self.board.id
        fields["host"] = host
        return {k: v for k, v in fields.items() if v is not None}

    def row(self, run_id: str, host: str | None) -> ResultRow:
        """The result row of this attempt, as it ends (at its teardown report).

        A draft the schema rejects must not lose the row: it is written with its identity and
        outcome only."""
        verdict = self.verdict()
        finished = datetime.now(UTC)
        identity = self.identity(run_id, host)
        failed = (p for p in self.phases.values() if p.outcome in (Outcome.FAILED, Outcome.ERROR))
        details = next((p.details for p in failed), None)
        fields = {**identity, **self.record.fields}
        fields.update(
            outcome=verdict.outcome,
            reason=verdict.reason,
            error_kind=verdict.error_kind,
            error_details=details,
            started_at=self.started,
            finished_at=finished,
            duration_s=(finished - self.started).total_seconds(),
            worker=os.environ.get("PYTEST_XDIST_WORKER"),
        )
        try:
            return ResultRow(**fields)
        except Exception:  # a bad draft must not lose the row: keep identity and outcome
            log.exception(
                "result row of %s is invalid; writing it without measurements", self.nodeid
            )
            keep = {k: fields[k] for k in identity}
            outcome = {"outcome": verdict.outcome, "reason": verdict.reason}
            return ResultRow(**keep, **outcome, error_kind=verdict.error_kind)


def _test_kind(item: pytest.Item) -> str:
    name = getattr(item, "originalname", item.name)
    kind = name.removeprefix(KIND_PREFIX).split("_", 1)[0]
    return kind if kind in TestKind.__members__.values() else TestKind.OTHER.value


STATE_KEY = pytest.StashKey[TestState]()


def state_of(item: pytest.Item) -> TestState:
    """The item's state, created from its matrix parameters on first use."""
    state = item.stash.get(STATE_KEY, None)
    if state is None:
        state = item.stash[STATE_KEY] = TestState.of_item(item)
    return state
