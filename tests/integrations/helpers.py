"""Shared test data for the integration-client tests."""

from __future__ import annotations

from typing import Any

from integrations.http import Person

#: Client timeout used in tests; stubs "hang" longer than this (LATE) to
#: provoke timeouts. Long enough for a stub's answer on a loaded machine.
FAST_TIMEOUT = 1.0
LATE = 3 * FAST_TIMEOUT


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
