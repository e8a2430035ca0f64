"""moto's S3 server over HTTP on 127.0.0.1, for tests of the farm's minio-SDK code."""

from __future__ import annotations

import os
import socket
import urllib.request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """moto's S3 server on 127.0.0.1, restartable on the same port (state is per server)."""

    def __init__(self, buckets: tuple[str, ...] = ("farm",)) -> None:
        self.port = _free_port()
        self.buckets = buckets
        self.server = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        # moto keeps its backends in module globals: a restarted server would see old state.
        urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{self.port}/moto-api/reset", method="POST")
        ).close()
        for bucket in self.buckets:
            self.client().make_bucket(bucket)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self):
        from minio import Minio

        return Minio(f"127.0.0.1:{self.port}", "test", "test", secure=False, region="us-east-1")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FARM_S3_ENDPOINT": f"127.0.0.1:{self.port}",
            "FARM_S3_BUCKET": "farm",
            "FARM_S3_PREFIX": "lab/nightly",
            "FARM_S3_ACCESS_KEY": "test",
            "FARM_S3_SECRET_KEY": "test",
            "FARM_S3_SECURE": "false",
            "FARM_S3_REGION": "us-east-1",
            "FARM_STORE_CONFIG": "/nonexistent/store.toml",
        }

    def keys(self) -> set[str]:
        objs = self.client().list_objects("farm", prefix="lab/nightly/", recursive=True)
        return {o.object_name.removeprefix("lab/nightly/") for o in objs}


class FailingGetProxy:
    """An HTTP proxy in front of an S3 server that answers 500 to GETs of keys ending in
    ``suffix`` (a fault on the wire: the SDK under test sees a real server error)."""

    def __init__(self, upstream_port: int, suffix: str) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                path = self.path.split("?", 1)[0]
                if self.command == "GET" and path.endswith(suffix):
                    body = b"<Error><Code>InternalError</Code><Message>disk</Message></Error>"
                    self.send_response(500)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                conn.request(self.command, self.path, body=data, headers=dict(self.headers))
                reply = conn.getresponse()
                payload = reply.read()
                self.send_response(reply.status)
                for name, value in reply.getheaders():
                    if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                conn.close()

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
