"""Matrix parameters of a test function: run and skip items are test items, n/a items are not.

An n/a item (a combination that can never run) is left out at parametrization and counted by
kind; the terminal summary prints one line with the counts. A test function left with no item
at all (say a Linux-only test when only MCU targets are selected) is deselected instead of
collected as pytest's "got empty parameter set" skip. Under xdist the workers collect, so each
sends its n/a ids to the controller in ``workeroutput``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from typing import Any

import pytest

from farm.matrix import Matrix, MatrixItem, NaKind, Status, builtin_status, na_status
from farm.plugin.session import FARM_KEY

NA_KEY = pytest.StashKey[dict[str, str]]()
"""n/a item id -> :class:`NaKind` value, for the items this process left out."""
EMPTY_KEY = pytest.StashKey[set[str]]()
"""Node ids of test functions that got no matrix item (deselected)."""
RESOLVED_KEY = pytest.StashKey[dict[str, MatrixItem]]()
WORKEROUTPUT_NA = "farm_na_items"


def _resolved(config: pytest.Config, matrix: Matrix) -> dict[str, MatrixItem]:
    """Items by id, with the ``pytest_farm_item_status`` hook applied once per item."""
    found = config.stash.get(RESOLVED_KEY, None)
    if found is not None:
        return found
    items = {}
    for item in matrix.items:
        if item.status is Status.RUN:
            answer = config.hook.pytest_farm_item_status(
                model=item.model, pool=item.pool, firmware=item.firmware
            )
            if answer is not None and answer[0] != Status.RUN:
                status = Status(answer[0])
                kind = NaKind.OTHER if status is Status.NA else None
                item = dataclasses.replace(item, status=status, reason=answer[1], na_kind=kind)
        items[item.id] = item
    config.stash[RESOLVED_KEY] = items
    return items


def _na(config: pytest.Config) -> dict[str, str]:
    return config.stash.setdefault(NA_KEY, {})


def _param(values: tuple[Any, ...], param_id: str, status: Status, reason: str) -> Any:
    marks = [pytest.mark.skip(reason=reason)] if status is Status.SKIP else []
    return pytest.param(*values, id=param_id, marks=marks)


def _full_params(config: pytest.Config, items: list[MatrixItem]) -> list[Any]:
    params = []
    for item in items:
        if item.status is Status.NA:
            _na(config)[item.id] = str(item.na_kind or NaKind.OTHER)
            continue
        values = (item.model, item.pool, item.firmware)
        params.append(_param(values, item.id, item.status, item.reason))
    return params


_IDS = {"model": lambda m: m.key, "board_pool": lambda p: p.id, "firmware": lambda f: f.key}


def _partial_params(
    config: pytest.Config, matrix: Matrix, wanted: list[str], kinds: tuple[str, ...] | None
) -> list[Any]:
    """A test that uses only some axes gets every combination of those axes."""
    resolved = _resolved(config, matrix)
    pools = [p for p in matrix.pools if kinds is None or p.target.kind in kinds]
    axes: dict[str, list[Any]] = {
        "model": matrix.models,
        "board_pool": pools,
        "firmware": matrix.firmware,
    }
    params = []
    for combo in itertools.product(*(axes[n] for n in wanted)):
        values = dict(zip(wanted, combo, strict=True))
        param_id = "-".join(_IDS[n](values[n]) for n in wanted)
        item = resolved.get(param_id) if wanted == ["model", "board_pool"] else None
        if item is not None:
            status, reason, kind = item.status, item.reason, item.na_kind
        else:
            status, reason, kind = _partial_status(values)
        if status is Status.NA:
            _na(config)[param_id] = str(kind or NaKind.OTHER)
            continue
        params.append(_param(combo, param_id, status, reason))
    return params


def _partial_status(values: dict[str, Any]) -> tuple[Status, str, NaKind | None]:
    pool = values.get("board_pool")
    if pool is None:
        return Status.RUN, "", None
    model, firmware = values.get("model"), values.get("firmware")
    if firmware is not None and not pool.runs_firmware:
        return Status.NA, f"{pool.id} runs no firmware", NaKind.FIRMWARE_TARGET
    never = na_status(model, pool, firmware)
    if never is not None:
        return Status.NA, never[1], never[0]
    found = builtin_status(model, pool, firmware)
    return (found[0], found[1], None) if found else (Status.RUN, "", None)


def parametrize_matrix(
    metafunc: pytest.Metafunc, matrix: Matrix, wanted: list[str], kinds: tuple[str, ...] | None
) -> None:
    """Parametrize ``wanted`` matrix arguments of one test function (n/a items left out)."""
    config = metafunc.config
    if len(wanted) == len(_IDS):
        resolved = _resolved(config, matrix)
        items = [
            resolved[i.id] for i in matrix.items if kinds is None or i.pool.target.kind in kinds
        ]
        params = _full_params(config, items)
    else:
        params = _partial_params(config, matrix, wanted, kinds)
    if not params:
        config.stash.setdefault(EMPTY_KEY, set()).add(metafunc.definition.nodeid)
    metafunc.parametrize(wanted, params, indirect=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the placeholder pytest makes for a test function with no matrix item."""
    empty = config.stash.get(EMPTY_KEY, set())
    if not empty:
        return
    gone = [i for i in items if i.nodeid.split("[", 1)[0] in empty]
    if gone:
        items[:] = [i for i in items if i.nodeid.split("[", 1)[0] not in empty]
        config.hook.pytest_deselected(items=gone)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand the n/a ids to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKEROUTPUT_NA] = dict(session.config.stash.get(NA_KEY, {}))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: merge a worker's n/a ids."""
    found = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_NA)
    if found:
        _na(node.config).update(found)


def na_summary(na: dict[str, str]) -> str | None:
    """``farm: 400 matrix items n/a (never run, not collected): 360 <kind>, 40 <kind>``."""
    if not na:
        return None
    counts = Counter(na.values()).most_common()
    detail = ", ".join(f"{n} {kind}" for kind, n in counts)
    return f"farm: {len(na)} matrix items n/a (can never run, not collected): {detail}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line counting the n/a items by kind (controller or single process)."""
    session = config.stash.get(FARM_KEY, None)
    if session is None or session.is_worker:
        return
    line = na_summary(config.stash.get(NA_KEY, {}))
    if line is not None:
        terminalreporter.write_line(line)
