"""A remote that did the work but whose answer was lost, and a member whose
email is corrected before the retry (issue 10, item 14; R3.3): the retry
sends the new address, and whatever the first attempt left under the old
one is moved (CRM) or revoked (door, printing), never forgotten.

The stubs apply the request, then close the connection without answering
(``fail_next(drop=True)``). Real HTTP; tasks inline, as in test_pipeline.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import CLAIMABLE, Delivery, DeliveryStatus
from integrations.outbox import MemberEvent, record_member_event
from integrations.services import KIND as DELIVERIES
from members.actions.personal_data import member_update_details
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.engine import sweep_due
from tests import factories as f
from tests.stubs.hubspot import UPSERT_PATH

from .conftest import connect

pytestmark = pytest.mark.django_db

OLD, NEW = "ada@old.example.test", "ada@new.example.test"


@pytest.fixture
def ada(cast):
    return f.MemberFactory(location=cast.harbour, company=cast.acme, email=OLD, first_name="Ada")


def retry_due(run):
    """Beat's sweep once every waiting retry is due."""
    Delivery.objects.filter(status__in=CLAIMABLE).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    run(sweep_due, DELIVERIES, grace=0)


def first_push_lost_then_email_corrected(run, cast, ada):
    """Push Ada under OLD (the remote acts, the answer is lost), correct her
    email to NEW, then let the retry and the change's own delivery go."""
    run(record_member_event, member=ada, event=MemberEvent.UPDATED)
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    run(member_update_details, member=ada, actor=cast.owner, email=NEW)
    retry_due(run)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_hubspot_keeps_one_contact_and_moves_the_one_made_under_the_old_address(
    cast, run, ada, hubspot
):
    connect(cast.org, hubspot)
    hubspot.fail_next(drop=True, method="POST", path=UPSERT_PATH)
    first_push_lost_then_email_corrected(run, cast, ada)
    assert list(hubspot.contacts) == [NEW.casefold()]
    assert hubspot.created_count == 1

    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")
    assert {e: c["properties"]["member_status"] for e, c in hubspot.contacts.items()} == {
        NEW: "former"
    }


def test_capsule_keeps_one_party_under_the_new_address(cast, run, ada, capsule):
    connect(cast.org, capsule)
    capsule.fail_next(drop=True, method="POST", path="/api/v2/parties")
    first_push_lost_then_email_corrected(run, cast, ada)
    [party] = capsule.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW]


def test_kisi_leaves_no_door_open_under_the_old_address(cast, run, ada, kisi):
    connect(cast.org, kisi)
    kisi.fail_next(drop=True, method="POST", path="/role_assignments")
    first_push_lost_then_email_corrected(run, cast, ada)
    assert kisi.has_access(NEW)
    assert not kisi.has_access(OLD)

    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")
    assert not kisi.has_access(NEW) and not kisi.has_access(OLD)


def test_papercut_lets_nobody_print_under_the_old_address(cast, run, ada, papercut):
    connect(cast.org, papercut)
    papercut.fail_next(drop=True, contains="disabled-print")
    first_push_lost_then_email_corrected(run, cast, ada)
    assert papercut.can_print(NEW) and not papercut.can_print(OLD)

    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")
    assert not papercut.can_print(NEW) and not papercut.can_print(OLD)


def test_two_lost_answers_under_two_addresses_are_both_revoked(cast, run, ada, kisi):
    """Every address any attempt sent is remembered, not only the last one
    before a success: two corrections, each after a lost answer."""
    mid = "ada@mid.example.test"
    connect(cast.org, kisi)
    kisi.fail_next(drop=True, method="POST", path="/role_assignments", times=2)
    run(record_member_event, member=ada, event=MemberEvent.UPDATED)  # OLD, lost
    run(member_update_details, member=ada, actor=cast.owner, email=mid)
    retry_due(run)  # the retry revokes OLD, grants under mid: lost again
    assert kisi.has_access(mid)
    run(member_update_details, member=ada, actor=cast.owner, email=NEW)
    retry_due(run)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert kisi.has_access(NEW)
    assert not kisi.has_access(OLD) and not kisi.has_access(mid)
