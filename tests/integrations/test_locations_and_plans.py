"""Where door and printing access comes from (issue 13, items 1 and 3):
the member's location names the groups, the member's plans say whether
they get them, and ending a membership ends them, through the outbox to
the stub remotes (eager tasks, on-commit callbacks run, real HTTP)."""

import datetime

import pytest
from django.utils import timezone

from integrations.services import resync_member
from members.actions.access import member_transfer, members_auto_former
from members.actions.locations import location_update
from members.actions.memberships import membership_create, membership_end
from members.actions.plans import plan_update
from members.models import Member, MemberStatus
from organizations.models import Organization
from tests import factories as f

from .conftest import connect

pytestmark = pytest.mark.django_db

DEFAULT_GROUP = 42  # the Kisi stub's, set on the connection


@pytest.fixture
def doors_and_printers(cast, kisi, papercut):
    connect(cast.org, kisi)
    connect(cast.org, papercut)
    return kisi, papercut


def _started_last_month(cast, member, **plan):
    plan = f.PlanFactory(organization=cast.org, location=member.location, **plan)
    return membership_create(
        plan=plan,
        member=member,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        actor=cast.admin,
    )


def test_membership_end_sets_former_and_revokes_door_and_printing(cast, run, doors_and_printers):
    kisi, papercut = doors_and_printers
    Organization.objects.filter(pk=cast.org.pk).update(auto_former_on_membership_end=True)
    teammate = cast.teammate
    membership = run(_started_last_month, cast, teammate)
    assert kisi.has_access(teammate.email) and papercut.can_print(teammate.email)

    run(membership_end, membership=membership, actor=cast.admin)

    teammate.refresh_from_db()
    assert teammate.status == MemberStatus.FORMER
    assert not kisi.has_access(teammate.email)
    assert not papercut.can_print(teammate.email)


def test_with_the_setting_off_the_member_stays_active_until_an_admin_acts(
    cast, run, doors_and_printers
):
    kisi, papercut = doors_and_printers
    membership = run(_started_last_month, cast, cast.teammate)
    run(membership_end, membership=membership, actor=cast.admin)
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.ACTIVE
    # No running membership: the status alone decides, as before plans said anything.
    assert kisi.has_access(cast.teammate.email) and papercut.can_print(cast.teammate.email)


def test_a_membership_ending_on_a_date_sets_former_the_night_after(
    cast, run, doors_and_printers, time_machine
):
    kisi, _ = doors_and_printers
    Organization.objects.filter(pk=cast.org.pk).update(auto_former_on_membership_end=True)
    membership = run(_started_last_month, cast, cast.teammate)
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    run(membership_end, membership=membership, on=last_day, actor=cast.admin)
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.ACTIVE
    time_machine.move_to(last_day + datetime.timedelta(days=1))
    assert run(members_auto_former) == 1
    assert not kisi.has_access(cast.teammate.email)


def test_the_locations_groups_are_what_its_active_members_get(cast, run, doors_and_printers):
    kisi, papercut = doors_and_printers
    run(location_update, location=cast.harbour, actor=cast.owner, door_group="100",
        printing_group="Harbour printers")  # fmt: skip
    email = cast.teammate.email
    assert kisi.has_access(email, group_id=100)
    assert not kisi.has_access(email, group_id=DEFAULT_GROUP)
    assert papercut.groups_of(email) == {"Harbour printers"}

    # Moved to the Mill: its group, and none of Harbour's.
    run(location_update, location=cast.mill, actor=cast.owner, door_group="200",
        printing_group="Mill printers")  # fmt: skip
    run(member_transfer, member=cast.teammate, to_location=cast.mill, actor=cast.owner)
    assert kisi.has_access(email, group_id=200)
    assert not kisi.has_access(email, group_id=100)
    assert papercut.groups_of(email) == {"Mill printers"}


def test_a_changed_group_takes_access_back_in_the_old_one(cast, run, doors_and_printers):
    kisi, papercut = doors_and_printers
    run(location_update, location=cast.harbour, actor=cast.owner, door_group="100",
        printing_group="Old printers")  # fmt: skip
    run(location_update, location=cast.harbour, actor=cast.owner, door_group="300",
        printing_group="New printers")  # fmt: skip
    email = cast.teammate.email
    assert kisi.has_access(email, group_id=300)
    assert not kisi.has_access(email, group_id=100)
    assert papercut.groups_of(email) == {"New printers"}


def test_a_plan_without_door_access_gives_printing_only(cast, run, doors_and_printers):
    kisi, papercut = doors_and_printers
    membership = run(
        _started_last_month,
        cast,
        cast.teammate,
        gives_door_access=False,
        gives_printing_access=True,
    )
    email = cast.teammate.email
    assert not kisi.has_access(email) and papercut.can_print(email)

    # The plan changes: everyone on it is sent again.
    run(plan_update, plan=membership.plan, actor=cast.owner, gives_door_access=True,
        gives_printing_access=False)  # fmt: skip
    assert kisi.has_access(email) and not papercut.can_print(email)


def test_a_companys_plan_decides_for_its_members(cast, run, doors_and_printers):
    kisi, _ = doors_and_printers
    plan = f.PlanFactory(organization=cast.org, location=cast.harbour, gives_door_access=False)
    run(
        membership_create,
        plan=plan,
        company=cast.acme,
        seats=3,
        start_date=timezone.localdate(),
        actor=cast.admin,
    )
    for member in (cast.contact, cast.billing, cast.teammate):
        assert not kisi.has_access(member.email)
    # Globex has no membership: its people keep what their status gives.
    run(resync_member, member=cast.globex_contact, actor=cast.admin)
    assert kisi.has_access(cast.globex_contact.email)
