"""sha256 of a file's bytes: the one digest that model caches, build caches and rows share."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, hex (read in chunks, so large models cost no memory)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
