"""Local stand-ins for the remote systems the integration clients talk to.

Real HTTP on 127.0.0.1 (ephemeral port unless told otherwise), one background thread
each, usable as context managers::

    with KisiStub() as kisi:
        client = KisiClient(
            kisi.url, api_key=kisi.api_key, group_id=kisi.group_id, allow_private_hosts=True
        )
        ...
        assert kisi.has_access("ada@example.com")

Common helpers (:class:`StubServer`): ``url``, ``requests``, ``requests_to()``,
``fail_next(status=..., retry_after=..., hang=..., times=...)``, ``reset()``.
Run one standalone for manual or cross-process testing: ``python -m tests.stubs kisi``.
"""

from .base import Fault, RecordedRequest, Response, StubServer
from .capsule import CapsuleStub
from .hubspot import HubSpotStub
from .kisi import KisiStub
from .papercut import PaperCutStub
from .webhook import Delivery, WebhookStub

STUBS: dict[str, type[StubServer]] = {
    "hubspot": HubSpotStub,
    "capsule": CapsuleStub,
    "kisi": KisiStub,
    "papercut": PaperCutStub,
    "webhook": WebhookStub,
}

__all__ = [
    "STUBS",
    "CapsuleStub",
    "Delivery",
    "Fault",
    "HubSpotStub",
    "KisiStub",
    "PaperCutStub",
    "RecordedRequest",
    "Response",
    "StubServer",
    "WebhookStub",
]
