"""What a shard may be asked to do: farm parameters only, never a command line.

The Prefect server and its workers run code on PCs wired to the boards, so the shard flow
accepts a run id, a lab PC name, selection globs and pytest options from an allow-list, and
refuses anything else before pytest starts. pytest is started with an argument vector (no
shell), so an option value can never become a command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from farm.inventory import SLUG_PATTERN

RUN_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$"
GLOBS_PATTERN = r"^[A-Za-z0-9_.@*?\[\]!,-]{1,400}$"
_EXPR = re.compile(r"^[^-\x00\n][^\x00\n]{0,499}$")
_INT = re.compile(r"^[0-9]{1,6}$")
_NUM = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,3})?$")
_WORKERS = re.compile(r"^([0-9]{1,3}|auto|logical)$")

#: pytest options a shard accepts, and the form of their value (None: a flag).
ALLOWED_OPTIONS: dict[str, re.Pattern[str] | None] = {
    "-k": _EXPR,
    "-m": _EXPR,
    "-n": _WORKERS,
    "--maxfail": _INT,
    "--timeout": _NUM,
    "--farm-lease-timeout": _NUM,
    "--farm-infra-retries": _INT,
    "--farm-quarantine-after": _INT,
    "-x": None,
    "-v": None,
    "-q": None,
    "-rA": None,
}


def check_pytest_options(options: Sequence[str]) -> tuple[str, ...]:
    """``options`` unchanged when every one is allowed; ValueError naming the first that is not."""
    allowed = ", ".join(ALLOWED_OPTIONS)
    out: list[str] = []
    rest = list(options)
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in ALLOWED_OPTIONS:
            raise ValueError(
                f"pytest option '{arg}': not allowed in a fleet shard; allowed: {allowed}"
            )
        form = ALLOWED_OPTIONS[name]
        if form is None:
            if eq:
                raise ValueError(f"pytest option '{name}': takes no value")
            out.append(arg)
            continue
        if not eq:
            if not rest:
                raise ValueError(f"pytest option '{name}': needs a value")
            value = rest.pop(0)
        if not form.fullmatch(value):
            raise ValueError(f"pytest option '{name}' value {value!r}: not of the allowed form")
        out.extend([name, value])
    return tuple(out)


class ShardRequest(BaseModel):
    """The parameters of one ``run-shard`` flow run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = Field(pattern=RUN_ID_PATTERN)
    host: str = Field(pattern=SLUG_PATTERN, max_length=64)
    models: str | None = Field(None, pattern=GLOBS_PATTERN)
    boards: str | None = Field(None, pattern=GLOBS_PATTERN)
    targets: str | None = Field(None, pattern=GLOBS_PATTERN)
    firmware: str | None = Field(None, pattern=GLOBS_PATTERN)
    pytest_options: tuple[str, ...] = ()
    inventory_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    """The dispatcher's inventory; a PC whose inventory differs refuses the shard."""

    @field_validator("pytest_options")
    @classmethod
    def _allowed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_pytest_options(value)

    def selection_args(self) -> list[str]:
        """``--farm-models=...`` etc. for the selection this request carries."""
        args = []
        for name in ("models", "boards", "targets", "firmware"):
            value = getattr(self, name)
            if value:
                args.append(f"--farm-{name}={value}")
        return args
