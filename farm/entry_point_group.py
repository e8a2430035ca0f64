"""Loading one entry-point group of a registry (``farm.powermon``, ``farm.boards``).

Both registries work alike: loading an entry point runs its module's registration; the group
must hold this package's own entries (else its installed metadata predates pyproject.toml), and
every entry must have registered something of its own name.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from farm.errors import PluginError

OWN_DISTRIBUTION = "joulefarm"


def load_group(
    group: str, *, what: str, registered: Callable[[str, object], bool], how: str
) -> None:
    """Load every entry point of ``group``.

    Args:
        group: the entry-point group.
        what: what an entry registers, for messages ("power monitor kind").
        registered: whether loading entry ``name`` (which gave ``object``) registered it.
        how: how to register one, for the error message.

    Raises:
        PluginError: the group holds none of this package's own entries, or an entry point
            registered nothing of its name.
    """
    found = entry_points(group=group)
    if not any(e.dist is not None and e.dist.name == OWN_DISTRIBUTION for e in found):
        raise PluginError(
            f"entry-point group '{group}' holds none of {OWN_DISTRIBUTION}'s own {what}s: its "
            "installed metadata is older than pyproject.toml; run 'make bootstrap' "
            "(pip install -e .)"
        )
    for entry in found:
        if not registered(entry.name, entry.load()):
            raise PluginError(
                f"entry point '{entry.name}' ({entry.value}) of group '{group}': did not "
                f"register a {what} of that name; {how}"
            )
