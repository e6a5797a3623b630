"""Shared test data for the integration-client tests."""

from __future__ import annotations

from typing import Any

from integrations.clients import Person

#: Client timeout used in tests; stubs "hang" longer than this to provoke timeouts.
FAST_TIMEOUT = 0.5


def make_person(**overrides: Any) -> Person:
    values: dict[str, Any] = {
        "member_id": 7,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+44 20 7946 0000",
        "company": "Analytical Engines Ltd",
        "status": "active",
        "location": "Berlin Mitte",
        "organization": "Flex Spaces GmbH",
    }
    values.update(overrides)
    return Person(**values)
