"""Running the app under uvicorn: in the foreground (``a2c-iam serve``) or in a thread.

The thread form exists for end-to-end tests and benchmarks, which drive the real HTTP server
with ``boto3`` and the AWS CLI over loopback without a subprocess per test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def config(app: Any, host: str, port: int, *, access_log: bool = False,
           trusted_proxies: Sequence[str] = ()) -> uvicorn.Config:
    """uvicorn's settings for the app.

    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are ignored unless the connection comes from one
    of ``trusted_proxies`` (addresses or networks): they set ``aws:SourceIp`` and
    ``aws:SecureTransport``, so anyone able to send them could otherwise pass ``IpAddress`` and
    ``SecureTransport`` conditions. (uvicorn trusts them from loopback by default.)
    """
    # uvicorn's own access log is off: the app writes structured JSON lines itself.
    return uvicorn.Config(app, host=host, port=port, access_log=access_log, log_config=None,
                          lifespan="off", server_header=False, timeout_graceful_shutdown=5,
                          proxy_headers=bool(trusted_proxies),
                          forwarded_allow_ips=list(trusted_proxies) or None)


class ServerThread:
    """uvicorn serving ``app`` on loopback in a daemon thread; a context manager."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int | None = None, *,
                 trusted_proxies: Sequence[str] = ()) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.server = uvicorn.Server(config(app, self.host, self.port,
                                            trusted_proxies=trusted_proxies))
        self.thread = threading.Thread(target=self.server.run, name="a2c-iam-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
