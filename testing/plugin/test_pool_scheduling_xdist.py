"""The xdist range the farm supports, and each LoadScheduling attribute PoolScheduling uses
beyond xdist's documented scheduler hooks (:data:`farm.plugin.pool_scheduling.XDIST_NAMES`):
an xdist release that renames one fails here, not as a run that hands out no tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import xdist
from packaging.requirements import Requirement
from packaging.version import Version
from xdist.scheduler import LoadScheduling

from farm.plugin.pool_scheduling import XDIST_NAMES

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_installed_xdist_is_in_the_supported_range() -> None:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "pytest-xdist"]
    assert any(s.operator == "<" for s in req.specifier), f"{req}: no upper bound"
    assert Version(xdist.__version__) in req.specifier, f"xdist {xdist.__version__} not in {req}"


class _XdistOptions:
    """The options LoadScheduling reads from pytest's config, as ``-n 2`` gives them."""

    def getvalue(self, name: str) -> object:
        return {"tx": ["2*popen"]}.get(name)

    def getoption(self, name: str) -> object:
        return self.getvalue(name)


@pytest.mark.parametrize("name", XDIST_NAMES)
def test_load_scheduling_has(name: str) -> None:
    try:
        scheduler = LoadScheduling(_XdistOptions(), log=None)  # type: ignore[arg-type]
    except (AttributeError, TypeError) as exc:  # a changed constructor: the class itself
        pytest.fail(f"xdist {xdist.__version__}: LoadScheduling(config, log) failed: {exc}")
    assert hasattr(scheduler, name), f"xdist {xdist.__version__}: LoadScheduling has no {name!r}"
