"""``@step``: every hardware action is logged with its arguments, result and duration.

Learned from labgrid's ``step`` (STYLE.md, section 8): one decorator on the methods that touch a
device, so a console of INFO logs reads as a timeline of what the farm did to which board. The
logger is the decorated function's module logger; failures are logged with the exception and
re-raised unchanged.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def _describe(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def step(title: str, *, args: tuple[str, ...] = ()) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log ``<device> <title>(args) -> result in N ms`` around a method.

    Args:
        title: what the step does (``prepare``, ``capture``).
        args: names of the parameters worth logging (bytes are shown as their length).
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        log = logging.getLogger(func.__module__)
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*a: P.args, **kw: P.kwargs) -> R:
            bound = signature.bind_partial(*a, **kw)
            owner = bound.arguments.get("self")
            who = getattr(owner, "name", None) or getattr(owner, "board", None) or ""
            shown = ", ".join(
                f"{n}={_describe(bound.arguments[n])}" for n in args if n in bound.arguments
            )
            log.info("%s %s(%s)", who, title, shown)
            started = time.monotonic()
            try:
                result = func(*a, **kw)
            except BaseException as exc:
                log.info(
                    "%s %s failed after %.1f ms: %s",
                    who,
                    title,
                    (time.monotonic() - started) * 1e3,
                    exc,
                )
                raise
            log.info(
                "%s %s -> %s in %.1f ms",
                who,
                title,
                _describe(result),
                (time.monotonic() - started) * 1e3,
            )
            return result

        return wrapper

    return decorate
