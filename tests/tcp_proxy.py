"""A TCP proxy that can play a faulty server: tests put it between a process
and the real PostgreSQL (or any TCP service) and switch it while it runs.

- ``forward`` (the start): every new connection is piped to the target.
- ``hang()``: new connections are accepted and then never answered, and open
  ones stop carrying anything, as a server that is frozen (SIGSTOP, a full
  disk, a saturated host) behaves: the kernel takes the bytes, nobody answers.
- ``forward()``: back to normal; whatever waited on an open connection
  goes through.
- ``drop()``: closes every live connection, both sides, as a database
  restart or a failover does to a pool of open connections.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from types import TracebackType
from typing import Self


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._hanging = False
        self._lock = threading.Lock()
        self._live: list[socket.socket] = []  # both ends of every forwarded connection
        self._held: list[socket.socket] = []  # accepted while hanging, never answered
        self.accepted = 0  # connections taken so far
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._listener.close()
        self.drop()
        with self._lock:
            held, self._held = self._held, []
        for sock in held:
            sock.close()
        self._thread.join(timeout=5)

    def hang(self) -> None:
        with self._lock:
            self._hanging = True

    def forward(self) -> None:
        with self._lock:
            self._hanging = False
            held, self._held = self._held, []
        for sock in held:  # whoever waited on them has given up by now
            sock.close()

    def drop(self) -> None:
        with self._lock:
            live, self._live = self._live, []
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._live) // 2

    @property
    def held_connections(self) -> int:
        """Connections taken while hanging (and not yet let go)."""
        with self._lock:
            return len(self._held)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                self.accepted += 1
                if self._hanging:
                    self._held.append(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._live += [client, upstream]
            threading.Thread(
                target=self._pipe, args=(client, upstream), name="tcp-proxy-pipe", daemon=True
            ).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        other = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in other:
                selector.register(sock, selectors.EVENT_READ)
            try:
                while True:
                    if self._hanging:
                        time.sleep(0.05)
                        continue
                    for key, _ in selector.select(timeout=0.1):
                        data = key.fileobj.recv(65536)
                        if not data:
                            return
                        other[key.fileobj].sendall(data)
                    if client.fileno() < 0 or upstream.fileno() < 0:
                        return
            except (OSError, ValueError):
                return
            finally:
                with self._lock:
                    self._live = [s for s in self._live if s not in other]
                for sock in other:
                    sock.close()
