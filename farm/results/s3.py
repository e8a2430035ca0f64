"""A result store in an S3 bucket through the ``minio`` SDK (MinIO in the lab).

Single-part uploads have the object's md5 as ETag, which is how a second push knows an object is
unchanged without reading it. Large files may go up in parts (ETag ``<md5-of-md5s>-<n>``), so
every upload also carries its md5 in the ``x-amz-meta-md5`` header, read back with a HEAD.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from farm.errors import StoreError
from farm.results.objects import content_type
from farm.s3_connection import minio_client
from farm.store_config import S3StoreConfig

if TYPE_CHECKING:
    from minio import Minio

log = logging.getLogger(__name__)
MD5_META = "md5"


class S3Store:
    """Objects under ``bucket/prefix``."""

    def __init__(self, config: S3StoreConfig, connect_timeout_s: float = 3.0) -> None:
        self.config = config
        self.name = config.name
        self.prefix = config.prefix.strip("/") + "/" if config.prefix.strip("/") else ""
        self._timeout_s = connect_timeout_s
        self._client: Minio | None = None

    @property
    def client(self) -> Minio:
        if self._client is None:
            self._client = minio_client(
                self.config.endpoint,
                access_key=self.config.access_key,
                secret_key=self.config.secret_key,
                secure=self.config.secure,
                region=self.config.region,
                connect_timeout_s=self._timeout_s,
            )
        return self._client

    def _fail(self, what: str, exc: Exception) -> StoreError:
        return StoreError(
            f"store '{self.name}': {what} failed ({type(exc).__name__}: {exc}); check "
            "FARM_S3_ENDPOINT and credentials, then run 'farm push' again"
        )

    def checksums(self, prefix: str) -> dict[str, str]:
        out: dict[str, str] = {}
        try:
            if not self.client.bucket_exists(self.config.bucket):
                raise StoreError(
                    f"store '{self.name}': bucket '{self.config.bucket}' does not exist; "
                    "create it (mc mb) or set FARM_S3_BUCKET"
                )
            objects = self.client.list_objects(
                self.config.bucket, prefix=self.prefix + prefix, recursive=True
            )
            for obj in objects:
                key = obj.object_name[len(self.prefix) :]
                etag = (obj.etag or "").strip('"')
                if "-" in etag:  # multipart: the md5 is in our metadata
                    stat = self.client.stat_object(self.config.bucket, obj.object_name)
                    etag = (stat.metadata or {}).get(f"x-amz-meta-{MD5_META}", etag)
                out[key] = etag
        except StoreError:
            raise
        except Exception as exc:  # minio raises S3Error, urllib3 its own tree
            raise self._fail("listing", exc) from exc
        return out

    def put_file(self, key: str, path: Path, md5: str) -> None:
        try:
            self.client.fput_object(
                self.config.bucket,
                self.prefix + key,
                str(path),
                content_type=content_type(key),
                metadata={MD5_META: md5},
            )
        except Exception as exc:  # minio raises S3Error, urllib3 its own tree
            raise self._fail(f"upload of '{key}'", exc) from exc

    def get_bytes(self, key: str) -> bytes | None:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.config.bucket, self.prefix + key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return None
            raise self._fail(f"download of '{key}'", exc) from exc
        except Exception as exc:
            raise self._fail(f"download of '{key}'", exc) from exc
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def put_bytes(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(
                self.config.bucket,
                self.prefix + key,
                io.BytesIO(data),
                length=len(data),
                content_type=content_type(key),
            )
        except Exception as exc:
            raise self._fail(f"upload of '{key}'", exc) from exc
