"""The one way the farm opens a MinIO/S3 connection (results push and model fetch share it),
and ``s3://bucket/prefix`` locations.

Lives below ``farm.results`` on purpose: the models setting is read by the core (matrix,
discovery), which must not import the results layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minio import Minio

S3_SCHEME = "s3://"


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix``: objects of one bucket under one prefix (the prefix may be empty)."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """Parse ``s3://bucket[/prefix]``; ValueError names the accepted form."""
        if not url.startswith(S3_SCHEME):
            raise ValueError(f"'{url}' is not an s3:// URL; use s3://bucket/prefix")
        bucket, _, prefix = url[len(S3_SCHEME) :].partition("/")
        if not bucket:
            raise ValueError(f"'{url}' names no bucket; use s3://bucket/prefix")
        return cls(bucket, prefix.strip("/"))

    @property
    def key_prefix(self) -> str:
        """The prefix as a key prefix: ``nightly/`` (empty for the bucket's root)."""
        return f"{self.prefix}/" if self.prefix else ""

    def __str__(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")


def is_s3_url(value: object) -> bool:
    """True for a string starting with ``s3://``."""
    return isinstance(value, str) and value.startswith(S3_SCHEME)


def minio_client(
    endpoint: str,
    *,
    access_key: str | None,
    secret_key: str | None,
    secure: bool,
    region: str | None,
    connect_timeout_s: float = 3.0,
) -> Minio:
    """A ``minio.Minio`` client that gives up quickly on an unreachable endpoint.

    Few retries and a short connect timeout: an unreachable store should fail in seconds, not
    minutes (a push is retried later; a model fetch stops the run before any board is used).
    """
    import urllib3
    from minio import Minio

    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout_s, read=60.0),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[502, 503]),
        maxsize=8,
    )
    return Minio(
        endpoint,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        region=region,
        http_client=http,
    )
