"""The per-test state (:mod:`farm.plugin.item_state`): one classification of every phase, the
record API guarding the row's identity, ``virtual`` from one rule, attempts that forget the
previous one but keep its failed boards."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from farm.catalog import Catalog
from farm.errors import ConfigError, ProbeError, SerialLinkError
from farm.inventory import BoardConfig
from farm.matrix import BoardPool
from farm.plugin.item_state import RowDraft, TestState, classify, state_of
from farm.results.schema import Outcome

pytest_plugins = ["pytester"]


def _raise(exc: BaseException) -> Callable[[], None]:
    def run() -> None:
        raise exc

    return run


def _skip() -> None:
    pytest.skip("no power monitor on this board")


def _fail() -> None:
    pytest.fail("model 'kws': needs 300000 B of arena", pytrace=False)


def _passes() -> None:
    pass


# (what the phase runs, when) -> (outcome, error kind, lab's fault, reason)
CASES = [
    (_raise(ProbeError("probe lost the target", board="b1")), "call", Outcome.ERROR, "probe", True),
    (_raise(SerialLinkError("port vanished")), "setup", Outcome.ERROR, "serial", True),
    (_raise(ProbeError("no reset", board="b1")), "teardown", Outcome.ERROR, "probe", True),
    (_raise(AssertionError("outputs differ at index 3")), "call", Outcome.FAILED, None, False),
    (_raise(RuntimeError("fixture bug")), "call", Outcome.FAILED, None, False),
    (_raise(RuntimeError("fixture bug")), "setup", Outcome.ERROR, "error", False),
    (_raise(ConfigError("model does not compile")), "setup", Outcome.FAILED, None, False),
    (_fail, "setup", Outcome.FAILED, None, False),
    (_skip, "setup", Outcome.SKIPPED, None, False),
    (_passes, "call", Outcome.PASSED, None, False),
]


@pytest.mark.parametrize(("run", "when", "outcome", "kind", "infra"), CASES)
def test_classify(
    pytester: pytest.Pytester,
    run: Callable[[], None],
    when: str,
    outcome: Outcome,
    kind: str | None,
    infra: bool,
) -> None:
    item = pytester.getitem("def test_x():\n    pass\n", funcname="test_x")
    call = pytest.CallInfo.from_call(run, when=when)  # type: ignore[arg-type]
    report = pytest.TestReport.from_item_and_call(item, call)
    verdict = classify(call, report)
    assert (verdict.when, verdict.outcome, verdict.error_kind) == (when, outcome, kind)
    assert (verdict.infra is not None) == infra
    if outcome is Outcome.SKIPPED:
        assert verdict.reason == "no power monitor on this board"
    elif call.excinfo is not None:
        assert verdict.reason == str(call.excinfo.value).splitlines()[0]
        assert verdict.details and verdict.reason in verdict.details
    else:
        assert (verdict.reason, verdict.details) == (None, None)


def test_record_takes_measurements_not_identity() -> None:
    draft = RowDraft()
    draft.set(latency_ms=1.5, energy_uj=None)
    assert draft.fields == {"latency_ms": 1.5}
    with pytest.raises(TypeError, match=r"fields \['board_id', 'virtual'\] come from the matrix"):
        draft.set(virtual=True, board_id="b1")
    with pytest.raises(TypeError, match=r"unknown result fields \['latency_us'\]"):
        draft.set(latency_us=3)


def _board(board_id: str, backend: str, tags: tuple[str, ...] = ()) -> BoardConfig:
    fields: dict[str, object] = {"id": board_id, "target": "RPI5", "backend": backend}
    if backend == "ssh":
        fields["ssh"] = {"host": "127.0.0.1", "user": "farm"}
    return BoardConfig.model_validate({**fields, "tags": list(tags)})


def test_virtual_from_the_leased_board_else_the_pool() -> None:
    target = Catalog.load().get("RPI5")
    twin, real = _board("twin", "ssh", ("virtual",)), _board("real", "ssh")
    twins = BoardPool("rpi5", target, twin.backend, (twin,))
    mixed = BoardPool("rpi5", target, twin.backend, (twin, real))
    state = TestState("t::x", "inference", pool=twins)
    assert state.virtual  # before the lease: every board of the pool is a twin
    state.pool = mixed
    assert not state.virtual
    state.board = twin
    assert state.virtual
    assert state.identity("run", None)["virtual"] is True
    state.board = real
    assert state.identity("run", None)["virtual"] is False


def test_an_attempt_forgets_the_last_but_keeps_its_failed_boards(
    pytester: pytest.Pytester,
) -> None:
    item = pytester.getitem("def test_inference_x():\n    pass\n", funcname="test_inference_x")
    state = state_of(item)
    assert state_of(item) is state and state.test_kind == "inference"
    state.record.set(max_abs_diff=99.0)
    state.board = _board("b1", "qemu")
    state.failed_boards.append("b1")
    call = pytest.CallInfo.from_call(_raise(ProbeError("glitch", board="b1")), when="call")
    state.phases["call"] = classify(call, pytest.TestReport.from_item_and_call(item, call))
    assert state.infra_error is not None and state.verdict().outcome is Outcome.ERROR
    state.begin_attempt()
    assert (state.record.fields, state.board, state.phases) == ({}, None, {})
    assert state.infra_error is None and state.verdict().outcome is Outcome.PASSED
    assert state.failed_boards == ["b1"]
