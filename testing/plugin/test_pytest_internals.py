"""The pytest range the farm supports, and each private pytest name it uses
(:mod:`farm.plugin.pytest_internals`), exercised one test per function: a pytest release that
moves one fails the test named after it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from farm.plugin import pytest_internals

pytest_plugins = ["pytester"]

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _pytest_requirement() -> Requirement:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    found = [Requirement(d) for d in deps if Requirement(d).name == "pytest"]
    assert len(found) == 1, f"{PYPROJECT}: one 'pytest' requirement expected, got {found}"
    return found[0]


def test_installed_pytest_is_in_the_supported_range() -> None:
    spec = _pytest_requirement().specifier
    assert any(s.operator == "<" for s in spec), f"pytest {spec}: no upper bound"
    assert any(s.operator == ">=" for s in spec), f"pytest {spec}: no lower bound"
    assert Version(pytest.__version__) in spec, f"pytest {pytest.__version__} not in {spec}"


PROTOCOL_CONFTEST = """
import pytest

from farm.plugin.pytest_internals import run_protocol, teardown_towards

LOG = __import__("pathlib").Path(__file__).parent / "protocol.log"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    # First keep the module set up (as the farm does between attempts), then finish the
    # teardown towards the next item.
    reports = run_protocol(item, item.parent)
    with LOG.open("a") as fh:
        fh.write(" ".join(f"{r.when}:{r.outcome}" for r in reports) + "\\n")
    teardown_towards(item, nextitem)
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
"""

MODULE_ONE = """
import pytest

LOG = __import__("pathlib").Path(__file__).parent / "protocol.log"


@pytest.fixture(scope="module")
def rig():
    yield
    with LOG.open("a") as fh:
        fh.write("module one torn down\\n")


def test_one(rig):
    pass


def test_one_fails(rig):
    assert False
"""

MODULE_TWO = """
LOG = __import__("pathlib").Path(__file__).parent / "protocol.log"


def test_two():
    with LOG.open("a") as fh:
        fh.write("test two\\n")
"""


def _protocol_run(pytester: pytest.Pytester) -> list[str]:
    pytester.makeconftest(PROTOCOL_CONFTEST)
    pytester.makepyfile(test_m1=MODULE_ONE, test_m2=MODULE_TWO)
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    return (pytester.path / "protocol.log").read_text().splitlines()


def test_run_protocol(pytester: pytest.Pytester) -> None:
    """Three unlogged reports per test, which the caller then logs (pytest counts them)."""
    log = _protocol_run(pytester)
    assert log[0] == "setup:passed call:passed teardown:passed"
    assert log[1] == "setup:passed call:failed teardown:passed"


def test_teardown_towards(pytester: pytest.Pytester) -> None:
    """A module fixture kept up by ``run_protocol(item, item.parent)`` is torn down before the
    next module's test, not after the run."""
    log = _protocol_run(pytester)
    assert log[2:] == [
        "module one torn down",
        "test two",
        "setup:passed call:passed teardown:passed",
    ]


def test_call_params(pytester: pytest.Pytester) -> None:
    items = pytester.getitems(
        """
        import pytest

        @pytest.mark.parametrize("board_pool", ["pool-a"])
        @pytest.mark.parametrize("model", ["kws"])
        def test_matrix(model, board_pool):
            pass

        def test_plain():
            pass
        """
    )
    params = {item.name: pytest_internals.call_params(item) for item in items}
    assert params == {
        "test_matrix[kws-pool-a]": {"model": "kws", "board_pool": "pool-a"},
        "test_plain": {},
    }


def test_fixture_modules(pytester: pytest.Pytester) -> None:
    """The defining modules of a fixture name, the overriding one last."""
    pytester.makeconftest(
        """
        import pytest

        from farm.plugin.pytest_internals import fixture_modules

        SEEN = []

        @pytest.fixture
        def thing():
            return "conftest"

        def pytest_generate_tests(metafunc):
            SEEN.append((metafunc.function.__name__, list(fixture_modules(metafunc, "thing"))))

        def pytest_sessionfinish(session):
            (session.config.rootpath / "seen.txt").write_text(repr(sorted(SEEN)))
        """
    )
    pytester.makepyfile(
        test_own="""
        import pytest

        @pytest.fixture
        def thing(thing):
            return "own"

        def test_overrides(thing):
            assert thing == "own"
        """,
        test_plain="""
        def test_uses_conftest(thing):
            assert thing == "conftest"

        def test_without():
            pass
        """,
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    seen = dict(eval((pytester.path / "seen.txt").read_text()))
    assert seen == {
        "test_overrides": ["conftest", "test_own"],
        "test_uses_conftest": ["conftest"],
        "test_without": [],
    }


def test_junit_xml(pytester: pytest.Pytester) -> None:
    """The run's JUnit writer takes global properties; without --junitxml there is none."""
    pytester.makeconftest(
        """
        import pytest

        from farm.plugin.pytest_internals import junit_xml

        @pytest.hookimpl(tryfirst=True)  # before pytest writes the file
        def pytest_sessionfinish(session):
            xml = junit_xml(session.config)
            (session.config.rootpath / "has_xml.txt").write_text(str(xml is not None))
            if xml is not None:
                xml.add_global_property("farm_probe", "42")
        """
    )
    pytester.makepyfile("def test_ok():\n    pass\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--junitxml=j.xml")
    assert (pytester.path / "has_xml.txt").read_text() == "True"
    assert '<property name="farm_probe" value="42"' in (pytester.path / "j.xml").read_text()
    pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert (pytester.path / "has_xml.txt").read_text() == "False"


def test_keyword_expression_error() -> None:
    """pytest's -k parser accepts what pytest accepts and names what it refuses."""
    assert pytest_internals.keyword_expression_error("kws and not (g431 or u575)") is None
    error = pytest_internals.keyword_expression_error("harness@1.0")
    assert error is not None and '"@"' in error


def test_unparsable_k_under_xdist_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """Under xdist only the workers parse -k, and their failure reached the controller as an
    INTERNALERROR; the controller now stops with pytest's message and the farm's hint."""
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-k", "fw@1.0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Wrong expression passed to '-k': fw@1.0" in err
    assert "--farm-firmware NAME@VERSION" in err
    assert "INTERNALERROR" not in result.stdout.str() + err
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-k", "ok")
    result.assert_outcomes(passed=1)
