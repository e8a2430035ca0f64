"""Where the dispatcher and the CLI find the Prefect server and its basic-auth credentials.

The server runs with ``PREFECT_SERVER_API_AUTH_STRING``; clients send
``PREFECT_API_AUTH_STRING``. Both come from the environment (a systemd ``EnvironmentFile``, CI
secrets) or from ``~/.config/joulefarm/fleet.toml`` (``$FARM_FLEET_CONFIG`` overrides the
path; mode 600), never from the inventory, and never from a file inside the checkout::

    [prefect]
    api_url = "http://prefect.lab.example:4200/api"
    auth_string = "farm:..."
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import MutableMapping
from pathlib import Path

from farm.errors import OptionError

CONFIG_ENV = "FARM_FLEET_CONFIG"
DEFAULT_CONFIG = Path("~/.config/joulefarm/fleet.toml")
KEYS = {"api_url": "PREFECT_API_URL", "auth_string": "PREFECT_API_AUTH_STRING"}


def load_credentials(project: Path, env: MutableMapping[str, str] | None = None) -> Path | None:
    """Fill ``PREFECT_API_URL``/``PREFECT_API_AUTH_STRING`` from the config file where the
    environment lacks them; returns the file used (None: environment only)."""
    env = os.environ if env is None else env
    path = Path(env.get(CONFIG_ENV, str(DEFAULT_CONFIG))).expanduser().resolve()
    if all(var in env for var in KEYS.values()) or not path.is_file():
        return None
    if project.resolve() in path.parents:
        raise OptionError(
            f"fleet config '{path}': inside the checkout {project}; keep credentials outside the "
            f"repository (default {DEFAULT_CONFIG}) or in the environment"
        )
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("prefect", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OptionError(f"fleet config '{path}': {exc}; fix the TOML") from exc
    unknown = set(table) - set(KEYS)
    if unknown:
        raise OptionError(
            f"fleet config '{path}': unknown key(s) {sorted(unknown)} in [prefect]; "
            f"allowed: {', '.join(KEYS)}"
        )
    for key, var in KEYS.items():
        if key in table and var not in env:
            env[var] = str(table[key])
    return path
