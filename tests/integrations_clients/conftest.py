"""Fixtures for the integration-client tests: pure pytest, no Django, no database.

The stubs are real HTTP servers on 127.0.0.1; each fixture starts a fresh one and
stops it afterwards. Clients get a short timeout so "hang" faults turn into timeouts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `integrations.clients` and `tests.stubs` are imported from the repository root, which
# is not on sys.path when pytest runs without pytest-django (`-p no:django`).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.stubs import CapsuleStub, HubSpotStub, KisiStub, PaperCutStub, WebhookStub  # noqa: E402


@pytest.fixture
def hubspot_stub() -> Iterator[HubSpotStub]:
    with HubSpotStub() as stub:
        yield stub


@pytest.fixture
def capsule_stub() -> Iterator[CapsuleStub]:
    with CapsuleStub() as stub:
        yield stub


@pytest.fixture
def kisi_stub() -> Iterator[KisiStub]:
    with KisiStub() as stub:
        yield stub


@pytest.fixture
def papercut_stub() -> Iterator[PaperCutStub]:
    with PaperCutStub() as stub:
        yield stub


@pytest.fixture
def webhook_stub() -> Iterator[WebhookStub]:
    with WebhookStub() as stub:
        yield stub
