"""Close-match suggestions for error messages (``did you mean 'x'?``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``word``, case-insensitively, or None when nothing is close."""
    by_lower = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[hits[0]] if hits else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    hit = closest(word, choices)
    return f" (did you mean '{hit}'?)" if hit is not None else ""
