"""A mail server stand-in (aiosmtpd) on 127.0.0.1, for a worker in another
process to send real SMTP to.

``messages`` holds what it accepted (answered 250). ``hold()`` makes it take
each message in full and then never answer, as a mail server that hangs
mid-transaction does; a held message was not accepted and is not kept.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes
from email.message import Message
from types import TracebackType
from typing import Self

from aiosmtpd.controller import Controller


class SmtpStub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._holding = threading.Event()
        self.held = 0  # messages taken and left unanswered so far
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """An ``EMAIL_URL`` for django-environ."""
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def hold(self) -> None:
        self._holding.set()

    def release(self) -> None:
        """Answer again; a held message gets a refusal (its client is gone)."""
        self._holding.clear()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self._holding.is_set():
            with self._lock:
                self.held += 1
            while self._holding.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Not kept"
        with self._lock:
            self._messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
        self._controller.stop()
