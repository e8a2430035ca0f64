"""Every use of pytest's private API in the farm, here and nowhere else.

The farm retries a test after an infrastructure error inside pytest's own run protocol, reads
the matrix parameters of an item, asks which plugin defined a fixture, adds global JUnit
properties and checks a ``-k`` expression before xdist's workers do; pytest offers no public
API for these. Each function below wraps one private name,
so a pytest release that moves it breaks one function, and
``testing/plugin/test_pytest_internals.py`` fails naming it. The supported pytest range is the
``pytest`` requirement in ``pyproject.toml``; that test checks the installed pytest is in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from _pytest.runner import runtestprotocol


def run_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> list[pytest.TestReport]:
    """Set up, call and tear down ``item`` (tearing down towards ``nextitem``) and return the
    reports without logging them (``_pytest.runner.runtestprotocol(log=False)``), so the
    farm decides which attempt's reports pytest sees."""
    return runtestprotocol(item, nextitem=nextitem, log=False)


def teardown_towards(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Tear down what must not outlive ``item`` before ``nextitem`` runs (module or session
    fixtures when it lives elsewhere): ``Session._setupstate.teardown_exact``."""
    item.session._setupstate.teardown_exact(nextitem)


def call_params(item: pytest.Item) -> dict[str, Any]:
    """The parameters pytest chose for this item (``Function.callspec.params``; empty for an
    item that is not parametrized). ``callspec`` is an undocumented attribute of pytest."""
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


def fixture_modules(metafunc: pytest.Metafunc, name: str) -> Sequence[str]:
    """Modules of the fixture definitions ``name`` resolves to for this test, the one that
    wins last (``Metafunc._arg2fixturedefs``)."""
    defs = metafunc._arg2fixturedefs.get(name) or ()
    return [getattr(d.func, "__module__", "") for d in defs]


def keyword_expression_error(expression: str) -> str | None:
    """Why ``-k expression`` does not parse (None when it does), from pytest's own parser
    (``_pytest.mark.expression.Expression.compile``; it raises ``ParseError`` up to pytest 8,
    ``SyntaxError`` from 9)."""
    from _pytest.mark.expression import Expression

    try:
        Expression.compile(expression)
    except Exception as exc:  # the error class differs by pytest release
        return str(exc)
    return None


def junit_xml(config: pytest.Config) -> Any:
    """pytest's JUnit XML writer of this run (``_pytest.junitxml.xml_key``), None without
    ``--junitxml``; its ``add_global_property`` adds a property to the whole run."""
    from _pytest.junitxml import xml_key

    return config.stash.get(xml_key, None)
