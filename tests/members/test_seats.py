"""Seat caps (issue 14, item 1): every path that makes someone Active
refuses beyond the company's cap at that location; an admin's override is
recorded; two activations for the last seat serialise."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry, Verb, Via
from companies.models import CompanyLocation
from members.actions.approvals import status_request_approve
from members.actions.bulk import members_change_status
from members.actions.mass_invite import mass_invite, parse_rows
from members.actions.records import member_create
from members.actions.status import member_change_status
from members.actions.team import team_add_member, team_change_status
from members.models import Member, Membership, MemberStatus, StatusRequest
from members.seats import SeatCapReached, capped_seat_usages, claim_seats, seat_usages
from organizations.services import organization_update_settings
from tests import factories as f
from tests.team_cast import refreshed


def set_cap(company, location, seats):
    CompanyLocation.objects.filter(company=company, location=location).update(seats=seats)


def company_membership(cast, *, seats, location=None, company=None, **kwargs):
    plan = f.PlanFactory(organization=cast.org, location=location)
    return Membership.objects.create(
        organization=cast.org,
        plan=plan,
        company=company or cast.acme,
        seats=seats,
        start_date=kwargs.pop("start_date", timezone.localdate() - datetime.timedelta(days=3)),
        **kwargs,
    )


def contact_member(cast, company=None, location=None, **kwargs):
    return f.MemberFactory(
        location=location or cast.harbour,
        company=company or cast.acme,
        status=MemberStatus.CONTACT,
        **kwargs,
    )


def usage_of(cast, company=None, location=None):
    row = CompanyLocation.objects.select_related("company", "location").get(
        company=company or cast.acme, location=location or cast.harbour
    )
    return seat_usages([row])[0]


# The cap itself ------------------------------------------------------------


def test_no_cap_means_unlimited(cast):
    member = contact_member(cast)
    member_change_status(member=member, status="active", actor=cast.admin, via=Via.ADMIN)
    assert refreshed(member).status == MemberStatus.ACTIVE
    assert usage_of(cast).cap is None


def test_capped_usages_leave_out_the_uncapped_rows_without_counting_them(
    cast, django_assert_num_queries
):
    CompanyLocation.objects.create(organization=cast.org, company=cast.acme, location=cast.mill)

    def rows():
        return list(
            CompanyLocation.objects.filter(company=cast.acme)
            .select_related("company", "location")
            .order_by("location__name")
        )

    listed = rows()
    with django_assert_num_queries(1):  # the caps; nothing to count
        assert capped_seat_usages(listed) == []
    set_cap(cast.acme, cast.harbour, 5)
    listed = rows()
    with django_assert_num_queries(2):
        (usage,) = capped_seat_usages(listed)
    assert (usage.location_id, usage.used, usage.cap) == (cast.harbour.pk, 3, 5)
    assert [u.cap for u in seat_usages(listed)] == [5, None]


def test_company_cap_per_location_refuses_beyond_it_with_the_words_of_the_issue(cast):
    set_cap(cast.acme, cast.harbour, 3)  # Carla, Bill and Tess are Active
    member = contact_member(cast)
    with pytest.raises(SeatCapReached) as refused:
        member_change_status(
            member=member, status="active", actor=cast.contact.user, via=Via.PORTAL
        )
    assert refused.value.messages == [
        "Acme uses 3 of 3 seats at Harbour; ask an admin of Northwind for more."
    ]
    assert refreshed(member).status == MemberStatus.CONTACT
    # Leaving Active frees a seat.
    member_change_status(member=cast.teammate, status="former", actor=cast.admin, via=Via.ADMIN)
    member_change_status(member=member, status="active", actor=cast.contact.user, via=Via.PORTAL)
    assert refreshed(member).status == MemberStatus.ACTIVE


def test_memberships_with_seats_take_precedence_and_count_at_their_location(cast):
    set_cap(cast.acme, cast.harbour, 3)
    company_membership(cast, seats=2, location=cast.harbour)
    company_membership(cast, seats=2)  # a plan offered everywhere
    company_membership(cast, seats=50, location=cast.mill)  # another location's
    company_membership(  # ended: not counted
        cast,
        seats=50,
        location=cast.harbour,
        start_date=timezone.localdate() - datetime.timedelta(days=60),
        end_date=timezone.localdate() - datetime.timedelta(days=30),
    )
    company_membership(cast, seats=None, location=cast.harbour)  # carries no seats
    usage = usage_of(cast)
    assert (usage.used, usage.cap) == (3, 4)
    assert usage.summary() == "Seats: 3 of 4 at Harbour"
    member_change_status(
        member=contact_member(cast), status="active", actor=cast.contact.user, via=Via.PORTAL
    )
    with pytest.raises(SeatCapReached):
        member_change_status(
            member=contact_member(cast), status="active", actor=cast.contact.user, via=Via.PORTAL
        )


def test_a_cap_at_one_location_leaves_the_others_and_other_companies_alone(cast):
    cast.acme.company_locations.create(organization=cast.org, location=cast.mill)
    set_cap(cast.acme, cast.harbour, 3)
    at_mill = contact_member(cast, location=cast.mill)
    member_change_status(member=at_mill, status="active", actor=cast.contact.user, via=Via.PORTAL)
    globex = contact_member(cast, company=cast.globex)
    member_change_status(member=globex, status="active", actor=cast.contact.user, via=Via.PORTAL)
    assert refreshed(at_mill).status == refreshed(globex).status == MemberStatus.ACTIVE


def test_other_statuses_and_members_without_company_take_no_seat(cast):
    set_cap(cast.acme, cast.harbour, 3)
    member_change_status(
        member=cast.teammate, status="contact", actor=cast.contact.user, via=Via.PORTAL
    )
    loner = f.MemberFactory(location=cast.harbour, status=MemberStatus.FORMER)
    member_change_status(member=loner, status="active", actor=cast.contact.user, via=Via.PORTAL)
    assert member_create(
        organization=cast.org, location=cast.harbour, company=cast.acme, first_name="C",
        status=MemberStatus.CONTACT, actor=cast.admin,
    ).status == MemberStatus.CONTACT  # fmt: skip


# The admin's override ------------------------------------------------------


def test_an_admin_goes_over_the_cap_only_when_confirming_and_it_is_recorded(cast):
    set_cap(cast.acme, cast.harbour, 3)
    member = contact_member(cast)
    with pytest.raises(SeatCapReached) as refused:
        member_change_status(member=member, status="active", actor=cast.admin, via=Via.ADMIN)
    assert "tick “Go over the cap”" in refused.value.messages[0]
    member_change_status(
        member=member, status="active", actor=cast.admin, via=Via.ADMIN, over_seat_cap=True
    )
    assert refreshed(member).status == MemberStatus.ACTIVE
    entry = AuditEntry.objects.get(verb=Verb.SEAT_CAP_OVERRIDDEN)
    assert entry.member_id == member.pk and entry.actor == cast.admin
    assert entry.before == {"used": 3, "cap": 3}
    assert entry.after["used"] == 4 and entry.after["location_id"] == cast.harbour.pk
    assert "4 of 3 seats at Harbour" in entry.reason
    assert usage_of(cast).over


def test_a_contact_person_can_never_override(cast):
    set_cap(cast.acme, cast.harbour, 3)
    member = contact_member(cast)
    with pytest.raises(SeatCapReached):
        member_change_status(
            member=member, status="active", actor=cast.contact.user, via=Via.PORTAL,
            over_seat_cap=True,
        )  # fmt: skip
    assert not AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN).exists()


def test_no_override_recorded_when_within_the_cap(cast):
    set_cap(cast.acme, cast.harbour, 4)
    member_change_status(
        member=contact_member(cast), status="active", actor=cast.admin, via=Via.ADMIN,
        over_seat_cap=True,
    )  # fmt: skip
    assert not AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN).exists()


# Every path ------------------------------------------------------------------


@pytest.fixture
def team_on(cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    return cast


def test_my_team_actions_refuse_beyond_the_cap(team_on):
    cast = team_on
    set_cap(cast.acme, cast.harbour, 3)
    member = contact_member(cast)
    with pytest.raises(ValidationError, match="ask an admin of Northwind for more"):
        team_change_status(actor=cast.contact.user, member=member, status="active")
    with pytest.raises(ValidationError, match="ask an admin of Northwind for more"):
        team_add_member(
            actor=cast.contact.user, company=cast.acme, first_name="Neu", email="neu@example.test"
        )
    assert not Member.objects.filter(email="neu@example.test").exists()
    # As Contact they still may.
    team_add_member(actor=cast.contact.user, company=cast.acme, first_name="Neu", status="contact")


def test_admin_add_member_refuses_beyond_the_cap_unless_confirmed(cast):
    set_cap(cast.acme, cast.harbour, 3)
    made = dict(organization=cast.org, location=cast.harbour, company=cast.acme, actor=cast.admin)
    with pytest.raises(SeatCapReached):
        member_create(first_name="Over", email="over@example.test", **made)
    member = member_create(first_name="Over", email="over@example.test", over_seat_cap=True, **made)
    entry = AuditEntry.objects.get(verb=Verb.SEAT_CAP_OVERRIDDEN)
    assert entry.member_id == member.pk


def test_bulk_status_change_fills_the_free_seats_and_refuses_the_rest(cast):
    set_cap(cast.acme, cast.harbour, 4)
    first, second = contact_member(cast, first_name="A"), contact_member(cast, first_name="B")
    results = members_change_status(members=[first, second], status="active", actor=cast.admin)
    assert results[0].refusal is None
    assert results[1].refusal.startswith("Acme uses 4 of 4 seats at Harbour")
    assert refreshed(second).status == MemberStatus.CONTACT
    results = members_change_status(
        members=[second], status="active", actor=cast.admin, over_seat_cap=True
    )
    assert results[0].refusal is None
    assert AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN, member=second).exists()


def _paste(n):
    return "\n".join(f"P{i}\tL\tp{i}@example.test" for i in range(n))


def test_mass_invite_marks_rows_beyond_the_cap_and_refuses_them(cast):
    set_cap(cast.acme, cast.harbour, 5)  # two seats left
    preview = parse_rows(
        _paste(3), organization=cast.org, user=cast.admin, location=None, company=cast.acme
    )
    assert [row.ok for row in preview.rows] == [True, True, False]
    assert "Acme uses 3 of 5 seats at Harbour" in preview.rows[2].errors[0]
    # Rows checked elsewhere (or a cap lowered since): nobody is invited.
    unchecked = parse_rows(
        _paste(3), organization=cast.org, user=cast.admin, location=None, company=cast.acme,
        over_seat_cap=True,
    )  # fmt: skip
    assert len(unchecked.valid) == 3
    with pytest.raises(SeatCapReached, match="and 3 more were asked for"):
        mass_invite(organization=cast.org, actor=cast.admin, rows=unchecked.valid)
    assert not Member.objects.filter(email__startswith="p0@").exists()
    mass_invite(organization=cast.org, actor=cast.admin, rows=preview.valid)
    assert usage_of(cast).used == 5


def test_mass_invite_override_is_recorded_on_the_company(cast):
    set_cap(cast.acme, cast.harbour, 3)
    preview = parse_rows(
        _paste(2), organization=cast.org, user=cast.admin, location=None, company=cast.acme,
        over_seat_cap=True,
    )  # fmt: skip
    mass_invite(organization=cast.org, actor=cast.admin, rows=preview.valid, over_seat_cap=True)
    entry = AuditEntry.objects.get(verb=Verb.SEAT_CAP_OVERRIDDEN)
    assert entry.subject_id == cast.acme.pk and entry.member_id is None
    assert entry.after["used"] == 5 and entry.before == {"used": 3, "cap": 3}
    assert usage_of(cast).used == 5


def test_awaiting_approval_takes_no_seat_and_approving_beyond_the_cap_needs_the_override(
    team_on,
):
    cast = team_on
    organization_update_settings(
        organization=cast.org, actor=None, contact_additions_need_approval=True
    )
    set_cap(cast.acme, cast.harbour, 4)
    waiting = team_add_member(
        actor=cast.contact.user, company=cast.acme, first_name="Wait", email="w@example.test"
    )
    assert usage_of(cast).used == 3  # awaiting: no seat yet
    request = StatusRequest.objects.get(member=waiting)
    # Someone else takes the last seat meanwhile.
    member_change_status(
        member=contact_member(cast), status="active", actor=cast.contact.user, via=Via.PORTAL
    )
    with pytest.raises(SeatCapReached):
        status_request_approve(status_request=request, actor=cast.admin)
    request.refresh_from_db()
    assert request.is_open and refreshed(waiting).status == MemberStatus.CONTACT
    status_request_approve(status_request=request, actor=cast.admin, over_seat_cap=True)
    assert refreshed(waiting).status == MemberStatus.ACTIVE
    assert AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN, member=waiting).exists()


# Two at once -------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_activations_for_the_last_seat_exactly_one_wins(cast):
    set_cap(cast.acme, cast.harbour, 4)  # one seat left
    first, second = contact_member(cast), contact_member(cast)
    barrier = threading.Barrier(2, timeout=30)
    outcomes = {}

    def activate(member):
        from django.db import connection as own
        from django.db import transaction
        from django_scopes import scopes_disabled

        try:
            with scopes_disabled(), transaction.atomic():
                # Both have counted nothing yet: they meet here, then race
                # for the company's row.
                Member.objects.select_for_update().get(pk=member.pk)
                barrier.wait()
                member_change_status(
                    member=member, status="active", actor=cast.contact.user, via=Via.PORTAL
                )
            outcomes[member.pk] = "won"
        except SeatCapReached:
            outcomes[member.pk] = "refused"
        finally:
            own.close()

    threads = [threading.Thread(target=activate, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values()) == ["refused", "won"]
    assert Member.objects.filter(company=cast.acme, status=MemberStatus.ACTIVE).count() == 4


def test_claim_seats_without_a_company_location_caps_nothing(cast):
    assert claim_seats(company=cast.acme, location=cast.mill, via=Via.PORTAL) is None


def test_a_transfer_to_a_location_where_the_company_is_full_is_refused_unless_confirmed(cast):
    from members.actions.access import member_transfer

    cast.acme.company_locations.create(organization=cast.org, location=cast.mill, seats=1)
    f.MemberFactory(location=cast.mill, company=cast.acme)  # the one seat at the mill
    with pytest.raises(SeatCapReached, match="Acme uses 1 of 1 seats at Old Mill"):
        member_transfer(member=cast.teammate, to_location=cast.mill, actor=cast.owner)
    assert refreshed(cast.teammate).location == cast.harbour
    member_transfer(
        member=cast.teammate, to_location=cast.mill, actor=cast.owner, over_seat_cap=True
    )
    assert refreshed(cast.teammate).location == cast.mill
    assert AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN, member=cast.teammate).exists()
