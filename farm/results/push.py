"""``farm push``: upload a run to a store, idempotent and resumable.

* Idempotent: an object whose md5 equals the local file's is not sent again.
* Resumable: ``<run_dir>/.push/<store>.json`` records every object known to be in the store, so
  an interrupted push resumes where it stopped and an offline push can say what is pending.
* The store's ``runs.json`` (index of runs) and ``index.html`` are updated only after every
  file of the run is up, so a run listed in the index is always complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from farm.errors import StoreError
from farm.results.merge import PARQUET
from farm.results.objects import md5_file
from farm.results.runindex import render_index, run_summary
from farm.results.store import RunStore
from farm.results.writer import ROWS_DIR, TMP_PREFIX, atomic_write_bytes

log = logging.getLogger(__name__)

PUSH_DIR = ".push"
RUNS_JSON = "runs.json"
SAVE_EVERY = 50


@dataclass
class PushResult:
    """What one push did; ``pending`` is non-empty only when it stopped early."""

    run_id: str
    store: str
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    index_updated: bool = False


class PushIncompleteError(StoreError):
    """The store went away during a push; ``result.pending`` lists what is left."""

    kind = "store"

    def __init__(self, message: str, result: PushResult) -> None:
        super().__init__(message)
        self.result = result


def run_files(run_dir: Path) -> dict[str, Path]:
    """``key -> path`` of every file of a run (keys ``<run_id>/<relative path>``).

    The per-test row files are left out once results.parquet holds them (it holds every field
    of every row): 10,000 tiny objects would dominate the push.
    """
    skip = {PUSH_DIR}
    if (run_dir / PARQUET).is_file():
        skip.add(ROWS_DIR)
    out = {}
    for path in sorted(run_dir.rglob("*")):
        rel = path.relative_to(run_dir)
        if not path.is_file() or rel.parts[0] in skip or path.name.startswith(TMP_PREFIX):
            continue
        out[f"{run_dir.name}/{rel.as_posix()}"] = path
    return out


class PushManifest:
    """Objects known to be in one store, with their md5, for one run."""

    def __init__(self, run_dir: Path, store_name: str) -> None:
        slug = hashlib.sha256(store_name.encode()).hexdigest()[:12]
        self.path = run_dir / PUSH_DIR / f"{slug}.json"
        self.store_name = store_name
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.done: dict[str, str] = dict(data.get("done", {}))
        except (OSError, ValueError):
            self.done = {}

    def save(self) -> None:
        data = {"store": self.store_name, "done": self.done}
        atomic_write_bytes(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


def _update_index(store: RunStore, run_dir: Path) -> bool:
    """Add or refresh this run in the store's runs.json; re-render index.html if it changed."""
    raw = store.get_bytes(RUNS_JSON)
    runs = json.loads(raw)["runs"] if raw else []
    entry = json.loads(json.dumps(run_summary(run_dir), default=str))  # JSON types only
    new = sorted([r for r in runs if r.get("run_id") != entry["run_id"]] + [entry],
                 key=lambda r: str(r.get("run_id")))  # fmt: skip
    if new == runs:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        render_index(out, new)
        for name in ("index.html", "static/report.css", "static/report.js"):
            store.put_bytes(name, (out / name).read_bytes())
    # runs.json last: the index page above already lists the run.
    store.put_bytes(RUNS_JSON, json.dumps({"runs": new}, indent=1, default=str).encode())
    return True


def _upload(
    store: RunStore,
    todo: list[str],
    files: dict[str, Path],
    local: dict[str, str],
    manifest: PushManifest,
    result: PushResult,
    workers: int,
) -> None:
    """Upload ``todo`` with ``workers`` threads; stop at the first StoreError and re-raise it."""
    failure: StoreError | None = None
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(store.put_file, k, files[k], local[k]): k for k in todo}
        for n, future in enumerate(as_completed(futures)):
            key = futures[future]
            try:
                future.result()
            except StoreError as exc:
                if failure is None:  # the store is gone: do not start the rest
                    failure = exc
                    for other in futures:
                        other.cancel()
                continue
            result.uploaded.append(key)
            manifest.done[key] = local[key]
            if n % SAVE_EVERY == SAVE_EVERY - 1:
                manifest.save()
    if failure is not None:
        raise failure


def push_run(run_dir: Path, store: RunStore, workers: int = 8) -> PushResult:
    """Upload every file of ``run_dir`` that the store lacks, then update its run index.

    Args:
        run_dir: the run directory.
        store: where to.
        workers: parallel uploads (a 10,000-test run has 10,000 test pages).

    Raises:
        PushIncompleteError: the store is unreachable or failed mid-way; nothing is lost, the
            manifest is saved and a later push completes the run.
    """
    files = run_files(run_dir)
    manifest = PushManifest(run_dir, store.name)
    result = PushResult(run_id=run_dir.name, store=store.name)
    local = {key: md5_file(path) for key, path in files.items()}
    try:
        remote = store.checksums(f"{run_dir.name}/")
    except StoreError as exc:
        result.pending = [k for k in files if manifest.done.get(k) != local[k]]
        raise PushIncompleteError(str(exc), result) from exc
    result.unchanged = [k for k in files if remote.get(k) == local[k]]
    manifest.done.update({k: local[k] for k in result.unchanged})
    todo = [k for k in files if remote.get(k) != local[k]]
    try:
        _upload(store, todo, files, local, manifest, result, workers)
        result.index_updated = _update_index(store, run_dir)
    except StoreError as exc:
        manifest.save()
        result.uploaded.sort()
        result.pending = [k for k in files if manifest.done.get(k) != local[k]]
        if not result.pending:  # only the index is left; say so
            result.pending = [RUNS_JSON]
        raise PushIncompleteError(str(exc), result) from exc
    manifest.save()
    result.uploaded.sort()
    log.info("pushed %s: %d uploaded, %d unchanged", run_dir.name, len(result.uploaded),
             len(result.unchanged))  # fmt: skip
    return result
