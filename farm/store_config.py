"""Where results are pushed: a local directory or an S3/MinIO bucket; also the S3 connection an
``s3://`` models setting is fetched through (:func:`s3_config_for`). It sits below
``farm.results`` because the core's model store reads it too, and the core never imports the
results layer.

Credentials come from the environment or ``~/.config/joulefarm/store.toml``, never from the
inventory. Precedence: ``--store-dir`` option, then ``FARM_S3_*`` variables, then
``FARM_STORE_DIR``, then the config file (``$FARM_STORE_CONFIG`` overrides its path)::

    # ~/.config/joulefarm/store.toml (chmod 600)
    [s3]
    endpoint = "minio.lab.example:9000"
    bucket = "joulefarm"
    prefix = "nightly"
    secure = true
    access_key = "..."
    secret_key = "..."

    # or
    [local]
    path = "/srv/joulefarm-results"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from farm.errors import OptionError

CONFIG_ENV = "FARM_STORE_CONFIG"
DEFAULT_CONFIG = Path("~/.config/joulefarm/store.toml")
ENV_KEYS = {
    "endpoint": "FARM_S3_ENDPOINT",
    "bucket": "FARM_S3_BUCKET",
    "prefix": "FARM_S3_PREFIX",
    "access_key": "FARM_S3_ACCESS_KEY",
    "secret_key": "FARM_S3_SECRET_KEY",
    "secure": "FARM_S3_SECURE",
    "region": "FARM_S3_REGION",
}


class S3StoreConfig(BaseModel):
    """An S3-compatible bucket (MinIO in the lab)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(description="host:port, without scheme")
    bucket: str
    prefix: str = ""
    access_key: str | None = None
    secret_key: str | None = Field(None, repr=False)
    secure: bool = True
    region: str | None = None

    @property
    def name(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"s3+{scheme}://{self.endpoint}/{self.bucket}/{self.prefix}".rstrip("/")


class LocalStoreConfig(BaseModel):
    """A directory (a NAS mount, or another reports tree)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    prefix: str = ""

    @property
    def name(self) -> str:
        return f"file://{self.path.resolve() / self.prefix}".rstrip("/")


StoreConfig = S3StoreConfig | LocalStoreConfig


def _config_file(env: Mapping[str, str]) -> tuple[Path, dict]:
    path = Path(env.get(CONFIG_ENV, str(DEFAULT_CONFIG))).expanduser()
    if not path.is_file():
        return path, {}
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OptionError(f"store config '{path.name}': {exc}; fix the TOML", path=path) from exc


def _s3_from(env: Mapping[str, str], table: dict, path: Path) -> S3StoreConfig:
    values = dict(table)
    for key, var in ENV_KEYS.items():
        if var in env:
            values[key] = env[var]
    if isinstance(values.get("secure"), str):
        values["secure"] = values["secure"].strip().lower() not in ("0", "false", "no", "off")
    try:
        return S3StoreConfig(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise OptionError(
            f"S3 store setting '{field}': {err['msg']}; set {ENV_KEYS.get(field, field)} "
            f"or [s3].{field} in {path}",
            field=field,
        ) from exc


def store_configured(env: Mapping[str, str] | None = None) -> bool:
    """True when the environment or the config file names a store."""
    env = os.environ if env is None else env
    if "FARM_S3_ENDPOINT" in env or "FARM_STORE_DIR" in env:
        return True
    _path, data = _config_file(env)
    return "s3" in data or "local" in data


def load_store_config(
    store_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> StoreConfig:
    """The configured store; raises ``OptionError`` naming the settings when there is none."""
    env = os.environ if env is None else env
    if store_dir is not None:
        return LocalStoreConfig(path=store_dir)
    path, data = _config_file(env)
    if "FARM_S3_ENDPOINT" in env or ("s3" in data and "FARM_STORE_DIR" not in env):
        return _s3_from(env, data.get("s3", {}), path)
    if "FARM_STORE_DIR" in env:
        return LocalStoreConfig(path=Path(env["FARM_STORE_DIR"]))
    if "local" in data:
        try:
            return LocalStoreConfig(**data["local"])
        except ValidationError as exc:
            raise OptionError(f"store config '{path}': [local] {exc.errors()[0]['msg']}") from exc
    raise OptionError(
        "result store: none configured; set FARM_S3_ENDPOINT and FARM_S3_BUCKET (plus "
        f"FARM_S3_ACCESS_KEY/FARM_S3_SECRET_KEY), or FARM_STORE_DIR, or write {path}, "
        "or pass --store-dir"
    )


def s3_config_for(bucket: str, prefix: str, env: Mapping[str, str] | None = None) -> S3StoreConfig:
    """The S3 connection ``farm push`` uses (``FARM_S3_*`` or the config file's ``[s3]``), for
    another bucket and prefix (the models of an ``s3://`` models setting)."""
    env = os.environ if env is None else env
    path, data = _config_file(env)
    table = {**data.get("s3", {}), "bucket": bucket, "prefix": prefix}
    overridden = {k: v for k, v in env.items() if k not in (ENV_KEYS["bucket"], ENV_KEYS["prefix"])}
    if "endpoint" not in table and ENV_KEYS["endpoint"] not in env:
        raise OptionError(
            f"models 's3://{bucket}/{prefix}'".rstrip("/")
            + "': no S3 endpoint configured; set FARM_S3_ENDPOINT (plus FARM_S3_ACCESS_KEY/"
            f"FARM_S3_SECRET_KEY) or [s3].endpoint in {path}, as for 'farm push'",
            field="endpoint",
        )
    return _s3_from(overridden, table, path)
