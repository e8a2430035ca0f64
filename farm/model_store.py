"""The models of a run: a local folder, or ``s3://bucket/prefix`` fetched into the local cache.

An S3 location is read like a folder: the ``.tflite``/``.onnx`` objects directly under the
prefix, and ``models.yaml`` next to them. Each object is downloaded with the minio SDK into a
content-addressed cache and remembered in an index keyed by the object's ETag and the sha256 of
the bytes, so a run downloads only what changed since the last one::

    <cache_dir>/models/objects/<sha256>/<file name>    the bytes (the file keeps its name:
                                                       the model's name is its stem)
    <cache_dir>/models/index/<location hash>.json      object key -> etag, sha256, version id

A cached object counts only when the listed ETag equals the indexed one *and* the cached file
still has the indexed sha256. The index is updated under a file lock, so xdist workers and
parallel runs share one download.

Errors: a models setting naming a missing folder, an empty folder or an empty prefix, a missing
bucket or an unreachable store raise :class:`ModelSourceError` naming the location (the run
stops before any board is touched). A single object that fails to download becomes a
:class:`~farm.discovery.ModelSpec` with ``fetch_error`` set: only its tests error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from farm.discovery import (
    MODELS_METADATA,
    ModelSpec,
    discover_models,
    is_model_file,
    model_spec,
    read_models_metadata,
)
from farm.errors import ModelSourceError
from farm.file_digest import file_sha256
from farm.s3_connection import S3Location, minio_client

if TYPE_CHECKING:
    from minio import Minio
    from minio.datatypes import Object

log = logging.getLogger(__name__)

MODELS_SETTING_HINT = (
    "set --farm-models-dir, FARM_MODELS_DIR or [tool.joulefarm] models_dir to a folder of "
    ".tflite/.onnx files or to s3://bucket/prefix"
)
LOCK_TIMEOUT_S = 600.0


@dataclass
class ModelsFound:
    """The models of a run and how they were obtained."""

    models: list[ModelSpec]
    where: str
    downloaded: int = 0
    downloaded_bytes: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal: where the models came from and what was downloaded."""
        line = f"models {self.where}: {len(self.models)} files"
        if self.downloaded or self.unchanged or self.failed:
            line += (
                f"; downloaded {self.downloaded} ({self.downloaded_bytes} B), "
                f"unchanged {self.unchanged}, failed {len(self.failed)}"
            )
        return line


def find_models(
    setting: Path | S3Location, cache_dir: Path, env: Mapping[str, str] | None = None
) -> ModelsFound:
    """The models the setting names; an empty or unreachable source raises ModelSourceError."""
    if isinstance(setting, S3Location):
        found = fetch_s3_models(setting, cache_dir, env)
    else:
        if not setting.is_dir():
            raise ModelSourceError(f"models '{setting}': no such folder; {MODELS_SETTING_HINT}")
        found = ModelsFound(discover_models(setting), str(setting))
    if not found.models:
        raise ModelSourceError(
            f"models '{found.where}': no .tflite or .onnx file there, an empty run would pass "
            f"silently; {MODELS_SETTING_HINT}"
        )
    return found


def _store_client(location: S3Location, env: Mapping[str, str] | None) -> tuple[Minio, str]:
    from farm.store_config import s3_config_for

    config = s3_config_for(location.bucket, location.prefix, env)
    scheme = "https" if config.secure else "http"
    client = minio_client(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
        region=config.region,
    )
    return client, f"{scheme}://{config.endpoint}"


def _list(client: Minio, location: S3Location, endpoint: str) -> tuple[list[Object], bool]:
    """Latest version of every object directly under the prefix; True when versioned."""
    where = f"models '{location}' (store {endpoint})"
    try:
        if not client.bucket_exists(location.bucket):
            raise ModelSourceError(
                f"{where}: bucket '{location.bucket}' does not exist; create it or fix the "
                f"models setting ({MODELS_SETTING_HINT})"
            )
        versioned = client.get_bucket_versioning(location.bucket).status == "Enabled"
        listed = client.list_objects(
            location.bucket, prefix=location.key_prefix, include_version=versioned
        )
        objects = [
            o
            for o in listed
            if not o.is_dir and not o.is_delete_marker and (not versioned or o.is_latest == "true")
        ]
    except ModelSourceError:
        raise
    except Exception as exc:  # minio raises S3Error, urllib3 its own tree
        cause = getattr(exc, "reason", None) or exc  # urllib3's MaxRetryError wraps the cause
        raise ModelSourceError(
            f"{where}: cannot list the models ({type(cause).__name__}: {cause}); check that the "
            "store is up, FARM_S3_ENDPOINT and the credentials (the same settings as 'farm push')"
        ) from exc
    return objects, versioned


class _ObjectCache:
    """Content-addressed model files plus one location's index (use under the lock)."""

    def __init__(self, root: Path, index_name: str) -> None:
        self.objects = root / "objects"
        self.index_path = root / "index" / f"{index_name}.json"
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)
        try:
            self.index: dict[str, dict[str, Any]] = json.loads(self.index_path.read_text())
        except (OSError, ValueError):
            self.index = {}

    def path(self, sha256: str, name: str) -> Path:
        return self.objects / sha256 / name

    def cached(self, key: str, etag: str) -> Path | None:
        """The cached file of ``key`` when its ETag and sha256 still match."""
        entry = self.index.get(key)
        if entry is None or entry.get("etag") != etag:
            return None
        path = self.path(entry["sha256"], Path(key).name)
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            log.warning("model cache: %s changed or vanished since download; fetching again", path)
            return None
        return path

    def download(self, client: Minio, bucket: str, obj: Object) -> Path:
        """Stream one object into the cache, hashing it on the way; returns its file."""
        name = Path(obj.object_name or "").name
        partial = self.objects / f".partial-{os.getpid()}-{name}"
        digest = hashlib.sha256()
        try:
            response = client.get_object(bucket, obj.object_name or "", version_id=obj.version_id)
            try:
                with partial.open("wb") as fh:
                    for chunk in response.stream(1 << 20):
                        digest.update(chunk)
                        fh.write(chunk)
            finally:
                response.close()
                response.release_conn()
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        sha = digest.hexdigest()
        final = self.path(sha, name)
        final.parent.mkdir(exist_ok=True)
        os.replace(partial, final)
        self.index[obj.object_name or ""] = {
            "etag": obj.etag,
            "sha256": sha,
            "size": final.stat().st_size,
            "version_id": obj.version_id,
        }
        return final

    def save(self) -> None:
        tmp = self.index_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.index, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, self.index_path)


def fetch_s3_models(
    location: S3Location, cache_dir: Path, env: Mapping[str, str] | None = None
) -> ModelsFound:
    """Fetch the models under ``location`` into ``cache_dir/models`` (only what changed)."""
    client, endpoint = _store_client(location, env)
    objects, versioned = _list(client, location, endpoint)
    root = cache_dir / "models"
    # Keyed by the location only: an ETag is the bytes' md5 (or a multipart digest), so the
    # same key and ETag through another endpoint (a proxy, a mirror) are the same bytes.
    index_name = hashlib.sha256(str(location).encode()).hexdigest()[:16]
    found = ModelsFound([], str(location))
    wanted = [o for o in objects if is_model_file(o.object_name or "") or _is_metadata(location, o)]
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f"{index_name}.lock"), timeout=LOCK_TIMEOUT_S):
        cache = _ObjectCache(root, index_name)
        files: list[tuple[Object, Path | None, str | None]] = []
        for obj in sorted(wanted, key=lambda o: o.object_name or ""):
            path, error = _fetch_one(client, location, cache, obj, found)
            files.append((obj, path, error))
        cache.save()
    metadata: dict[str, Any] = {}
    for obj, path, _error in files:
        if path is not None and _is_metadata(location, obj):
            metadata = read_models_metadata(path)
    for obj, path, error in files:
        if _is_metadata(location, obj):
            continue
        key = obj.object_name or ""
        found.models.append(
            model_spec(
                path or cache.objects / "missing" / Path(key).name,
                metadata,
                source=f"s3://{location.bucket}/{key}",
                source_version=obj.version_id if versioned else None,
                fetch_error=error,
            )
        )
    log.info("%s", found.summary())
    return found


def _is_metadata(location: S3Location, obj: Object) -> bool:
    return obj.object_name == location.key_prefix + MODELS_METADATA


def _fetch_one(
    client: Minio, location: S3Location, cache: _ObjectCache, obj: Object, found: ModelsFound
) -> tuple[Path | None, str | None]:
    """The cached file of one object (downloaded when missing or changed), or the error."""
    key = obj.object_name or ""
    path = cache.cached(key, obj.etag or "")
    if path is not None:
        found.unchanged += 1
        return path, None
    try:
        path = cache.download(client, location.bucket, obj)
    except Exception as exc:  # minio raises S3Error, urllib3 its own tree, OSError locally
        error = (
            f"model 's3://{location.bucket}/{key}': download failed "
            f"({type(exc).__name__}: {exc}); the other models run, rerun to fetch it again"
        )
        log.error("%s", error)
        found.failed.append(key)
        return None, error
    found.downloaded += 1
    found.downloaded_bytes += path.stat().st_size
    return path, None
