"""Who may set up locations, plans and memberships (issue 13, items 1 and 3).

Each page and action is tried by every kind of person: an owner; admins
holding "manage settings" and/or "manage customers" at Harbour only, or at
both locations; the location-limited admin of the Old Mill (customers
only); a contact person; a plain member; the owner of another
organization; nobody. Then the forged requests: other organizations' ids,
a location or plan the admin does not manage, an archived location.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.models import AuditEntry, Verb
from members.models import Membership, MemberStatus, Plan
from organizations.models import Location
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS
from tests import factories as f


def _admin(cast, *grants):
    user = f.OrganizationAdminFactory(organization=cast.org).user
    for perm, location in grants:
        assign_perm(perm, user, getattr(cast, location))
    return user


PERSONAS = {
    "owner": lambda c: c.owner,
    # customers + settings at Harbour (the cast's admin)
    "harbour_admin": lambda c: c.admin,
    "harbour_settings_only": lambda c: _admin(c, (MANAGE_SETTINGS, "harbour")),
    "harbour_customers_only": lambda c: _admin(c, (MANAGE_CUSTOMERS, "harbour")),
    "settings_everywhere": lambda c: _admin(
        c, (MANAGE_SETTINGS, "harbour"), (MANAGE_SETTINGS, "mill")
    ),
    "mill_admin": lambda c: c.mill_admin,
    "contact_person": lambda c: c.contact.user,
    "member": lambda c: c.teammate.user,
    "other_organization": lambda c: c.other_admin,
    "anonymous": lambda c: None,
}

NOT_ADMINS = {"contact_person": 404, "member": 404, "other_organization": 404, "anonymous": 302}


def _as(client, cast, persona):
    user = PERSONAS[persona](cast)
    if user is not None:
        client.force_login(user)
    return user


def _url(cast, name, *args):
    return reverse(f"adminportal:{name}", args=[cast.org.slug, *args])


# -- locations ---------------------------------------------------------------------------

LIST_READERS = {p: 200 for p in PERSONAS if p not in NOT_ADMINS} | NOT_ADMINS


@pytest.mark.parametrize(("persona", "expected"), LIST_READERS.items())
@pytest.mark.parametrize("page", ["locations", "plans"])
def test_every_admin_reads_the_lists(client, cast, persona, expected, page):
    _as(client, cast, persona)
    assert client.get(_url(cast, page)).status_code == expected


LOCATION_CREATORS = {
    "owner": 200,
    "harbour_admin": 403,
    "harbour_settings_only": 403,
    "harbour_customers_only": 403,
    "settings_everywhere": 200,
    "mill_admin": 403,
    **NOT_ADMINS,
}


@pytest.mark.parametrize(("persona", "expected"), LOCATION_CREATORS.items())
def test_who_creates_a_location(client, cast, persona, expected):
    _as(client, cast, persona)
    assert client.get(_url(cast, "location_new")).status_code == expected
    response = client.post(_url(cast, "location_new"), {"name": "Dock", "time_zone": ""})
    created = Location.objects.filter(organization=cast.org, name="Dock").exists()
    assert created == (expected == 200)
    if expected != 200:
        assert response.status_code == expected


def test_a_creator_who_is_not_an_owner_keeps_settings_everywhere(client, cast):
    from organizations.permissions import can_manage_organization_settings

    user = _as(client, cast, "settings_everywhere")
    client.post(_url(cast, "location_new"), {"name": "Dock"})
    dock = Location.objects.get(organization=cast.org, name="Dock")
    assert can_manage_organization_settings(user, cast.org)
    # Customers were not held everywhere: not given at the new one either.
    from organizations.permissions import can_manage_location

    assert not can_manage_location(user, dock, MANAGE_CUSTOMERS)
    assert AuditEntry.objects.filter(verb=Verb.ADMIN_PERMISSIONS_CHANGED, actor=user).exists()


HARBOUR_SETTINGS = {
    "owner": 200,
    "harbour_admin": 200,
    "harbour_settings_only": 200,
    "harbour_customers_only": 403,
    "settings_everywhere": 200,
    "mill_admin": 403,
    **NOT_ADMINS,
}


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_SETTINGS.items())
def test_who_edits_a_location(client, cast, persona, expected):
    _as(client, cast, persona)
    url = _url(cast, "location_edit", cast.harbour.pk)
    assert client.get(url).status_code == expected
    response = client.post(
        url, {"name": "Harbour", "time_zone": "Europe/Berlin", "door_group": "12"}
    )
    cast.harbour.refresh_from_db()
    assert (cast.harbour.door_group == "12") == (expected == 200)
    if expected != 200:
        assert response.status_code == expected


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_SETTINGS.items())
def test_who_archives_a_location(client, cast, persona, expected):
    empty = f.LocationFactory(organization=cast.org, name="Annex")
    if persona in ("harbour_admin", "harbour_settings_only", "settings_everywhere"):
        # Their Harbour rights, at the Annex too.
        user = _as(client, cast, persona)
        assign_perm(MANAGE_SETTINGS, user, empty)
    else:
        _as(client, cast, persona)
    response = client.post(_url(cast, "location_archive", empty.pk))
    empty.refresh_from_db()
    assert empty.is_archived == (expected == 200)
    if expected != 200:
        assert response.status_code == expected


def test_a_location_with_active_members_is_not_archived(client, cast):
    client.force_login(cast.owner)
    response = client.post(_url(cast, "location_archive", cast.harbour.pk), follow=True)
    cast.harbour.refresh_from_db()
    assert not cast.harbour.is_archived
    assert "still has" in response.content.decode()
    # Former members do not hold it open.
    for member in cast.harbour.members.all():
        type(member).objects.filter(pk=member.pk).update(status=MemberStatus.FORMER)
    client.post(_url(cast, "location_archive", cast.harbour.pk))
    cast.harbour.refresh_from_db()
    assert cast.harbour.is_archived


def test_an_archived_location_is_not_edited_even_by_a_forged_post(client, cast):
    annex = f.LocationFactory(organization=cast.org, name="Annex")
    client.force_login(cast.owner)
    client.post(_url(cast, "location_archive", annex.pk))
    response = client.post(
        _url(cast, "location_edit", annex.pk), {"name": "Renamed", "door_group": "99"}
    )
    annex.refresh_from_db()
    assert annex.name == "Annex" and annex.door_group == ""
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(verb=Verb.LOCATION_UPDATED).exists()
    # Not offered for new rows either.
    page = client.get(_url(cast, "invite")).content.decode()
    assert f'value="{annex.pk}"' not in page
    page = client.get(_url(cast, "plan_new")).content.decode()
    assert f'value="{annex.pk}"' not in page


def test_another_organizations_location_is_a_404(client, cast):
    client.force_login(cast.owner)
    foreign = cast.other_location
    assert client.get(_url(cast, "location_edit", foreign.pk)).status_code == 404
    assert client.post(_url(cast, "location_edit", foreign.pk), {"name": "X"}).status_code == 404
    assert client.post(_url(cast, "location_archive", foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Riverside" and not foreign.is_archived


def test_bad_input_is_a_message_at_the_field(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        _url(cast, "location_edit", cast.harbour.pk),
        {"name": "x" * 201, "time_zone": "Mars/Olympus", "door_group": "a\nb"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "time_zone", "door_group"}
    cast.harbour.refresh_from_db()
    assert cast.harbour.name == "Harbour"


# -- plans -------------------------------------------------------------------------------


def _plan(cast, location="harbour", **values):
    return f.PlanFactory(organization=cast.org, location=getattr(cast, location), **values)


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_SETTINGS.items())
def test_who_creates_a_plan_at_harbour(client, cast, persona, expected):
    _as(client, cast, persona)
    data = {
        "location": cast.harbour.pk,
        "name": "Hot desk",
        "price": "250",
        "billing_period": "monthly",
        "gives_door_access": "on",
    }
    response = client.post(_url(cast, "plan_new"), data)
    created = Plan.objects.filter(organization=cast.org, name="Hot desk").exists()
    assert created == (expected == 200)
    if not created:
        # Refused outright, or the location is not theirs to choose.
        assert response.status_code in (expected, 200)
        if response.status_code == 200:
            assert "location" in response.context["form"].errors


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_SETTINGS.items())
def test_who_edits_and_archives_a_harbour_plan(client, cast, persona, expected):
    plan = _plan(cast, name="Desk")
    _as(client, cast, persona)
    url = _url(cast, "plan_edit", plan.pk)
    assert client.get(url).status_code == expected
    client.post(
        url, {"name": "Desk+", "price": "300", "billing_period": "yearly"}
    )  # no switches: both off
    plan.refresh_from_db()
    assert (plan.name == "Desk+") == (expected == 200)
    assert client.post(_url(cast, "plan_archive", plan.pk)).status_code in (302, expected)
    plan.refresh_from_db()
    assert plan.is_archived == (expected == 200)


def test_forged_plan_requests(client, cast):
    client.force_login(cast.admin)  # settings at Harbour only
    foreign = f.PlanFactory(organization=cast.other_org, location=cast.other_location)
    assert client.get(_url(cast, "plan_edit", foreign.pk)).status_code == 404
    assert client.post(_url(cast, "plan_archive", foreign.pk)).status_code == 404
    # A location of another organization, or one they do not manage.
    for location in (cast.other_location, cast.mill):
        response = client.post(
            _url(cast, "plan_new"),
            {"location": location.pk, "name": "Sneaky", "price": "1", "billing_period": "monthly"},
        )
        assert "location" in response.context["form"].errors
    assert not Plan.objects.filter(name="Sneaky").exists()
    # A negative price or an unknown period: at the field.
    response = client.post(
        _url(cast, "plan_new"),
        {"location": cast.harbour.pk, "name": "Odd", "price": "-5", "billing_period": "weekly"},
    )
    assert set(response.context["form"].errors) == {"price", "billing_period"}


def test_an_archived_plan_is_not_edited_by_a_forged_post(client, cast):
    plan = _plan(cast, name="Desk")
    client.force_login(cast.owner)
    client.post(_url(cast, "plan_archive", plan.pk))
    client.post(
        _url(cast, "plan_edit", plan.pk),
        {"name": "Back", "price": "1", "billing_period": "monthly"},
    )
    plan.refresh_from_db()
    assert plan.name == "Desk" and plan.is_archived


# -- memberships -------------------------------------------------------------------------

# The teammate is at Harbour: memberships are customers' business there.
HARBOUR_CUSTOMERS = {
    "owner": 200,
    "harbour_admin": 200,
    "harbour_settings_only": 404,
    "harbour_customers_only": 200,
    "settings_everywhere": 404,
    "mill_admin": 404,
    **NOT_ADMINS,
}


def _membership_data(plan, **extra):
    return {"plan": plan.pk, "start_date": timezone.localdate().isoformat(), **extra}


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_CUSTOMERS.items())
def test_who_adds_a_members_membership(client, cast, persona, expected):
    plan = _plan(cast)
    _as(client, cast, persona)
    url = _url(cast, "member_membership_new", cast.teammate.pk)
    assert client.get(url).status_code == expected
    response = client.post(url, _membership_data(plan))
    assert Membership.objects.filter(member=cast.teammate).exists() == (expected == 200)
    if expected != 200:
        assert response.status_code == expected


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_CUSTOMERS.items())
def test_who_adds_a_companys_membership(client, cast, persona, expected):
    plan = _plan(cast)
    _as(client, cast, persona)
    url = _url(cast, "company_membership_new", cast.acme.pk)
    assert client.get(url).status_code == expected
    client.post(url, _membership_data(plan, seats="5"))
    made = Membership.objects.filter(company=cast.acme).first()
    assert (made is not None) == (expected == 200)
    if made:
        assert made.seats == 5


@pytest.mark.parametrize(("persona", "expected"), HARBOUR_CUSTOMERS.items())
def test_who_changes_and_ends_a_membership(client, cast, persona, expected):
    membership = f.MembershipFactory(member=cast.teammate, plan=_plan(cast))
    _as(client, cast, persona)
    edit = _url(cast, "membership_edit", membership.pk)
    end = _url(cast, "membership_end", membership.pk)
    assert client.get(edit).status_code == expected
    assert client.get(end).status_code == expected
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    client.post(
        edit,
        _membership_data(
            membership.plan,
            start_date=membership.start_date.isoformat(),
            end_date=last_day.isoformat(),
        ),
    )
    membership.refresh_from_db()
    assert (membership.end_date == last_day) == (expected == 200)
    client.post(end, {"when": "now"})
    membership.refresh_from_db()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert (membership.end_date == yesterday) == (expected == 200)


def test_forged_membership_requests(client, cast):
    client.force_login(cast.admin)
    mill_plan = _plan(cast, "mill")
    foreign_plan = f.PlanFactory(organization=cast.other_org, location=cast.other_location)
    archived = _plan(cast, archived_at=timezone.now())
    url = _url(cast, "member_membership_new", cast.teammate.pk)
    for plan in (mill_plan, foreign_plan, archived):
        response = client.post(url, _membership_data(plan))
        assert "plan" in response.context["form"].errors
    assert not Membership.objects.filter(member=cast.teammate).exists()
    # Someone else's member, company or membership.
    assert client.get(_url(cast, "member_membership_new", cast.other_member.pk)).status_code == 404
    mill_member = f.MemberFactory(location=cast.mill)
    assert client.get(_url(cast, "member_membership_new", mill_member.pk)).status_code == 404
    foreign = f.MembershipFactory(member=cast.other_member, plan=foreign_plan)
    mill_one = f.MembershipFactory(member=mill_member, plan=mill_plan)
    for membership in (foreign, mill_one):
        assert (
            client.post(_url(cast, "membership_end", membership.pk), {"when": "now"}).status_code
            == 404
        )
        membership.refresh_from_db()
        assert membership.end_date is None


def test_membership_input_errors_land_at_their_fields(client, cast):
    plan = _plan(cast)
    client.force_login(cast.admin)
    url = _url(cast, "member_membership_new", cast.teammate.pk)
    response = client.post(
        url, _membership_data(plan, start_date="2030-01-10", end_date="2030-01-01")
    )
    assert set(response.context["form"].errors) == {"end_date"}
    # Seats are a company's; a member's form has no such field.
    response = client.post(
        _url(cast, "company_membership_new", cast.acme.pk), _membership_data(plan, seats="0")
    )
    assert set(response.context["form"].errors) == {"seats"}
    membership = f.MembershipFactory(member=cast.teammate, plan=plan)
    response = client.post(
        _url(cast, "membership_end", membership.pk), {"when": "date", "end_date": ""}
    )
    assert set(response.context["form"].errors) == {"end_date"}
    before = (membership.start_date - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        _url(cast, "membership_end", membership.pk), {"when": "date", "end_date": before}
    )
    assert set(response.context["form"].errors) == {"end_date"}
    assert not Membership.objects.filter(pk=membership.pk, end_date__isnull=False).exists()


def test_ending_a_membership_that_has_not_started_cancels_it(client, cast):
    membership = f.MembershipFactory(
        member=cast.teammate,
        plan=_plan(cast),
        start_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(cast.admin)
    client.post(_url(cast, "membership_end", membership.pk), {"when": "now"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = AuditEntry.objects.get(verb=Verb.MEMBERSHIP_ENDED)
    assert entry.after["cancelled"] and entry.before["membership_id"] == membership.pk


def test_member_and_company_pages_show_and_link_memberships(client, cast):
    membership = f.MembershipFactory(member=cast.teammate, plan=_plan(cast, name="Fixed desk"))
    client.force_login(cast.admin)
    page = client.get(_url(cast, "member", cast.teammate.pk)).content.decode()
    assert "Fixed desk" in page
    assert _url(cast, "membership_end", membership.pk) in page
    assert _url(cast, "member_membership_new", cast.teammate.pk) in page
    page = client.get(_url(cast, "company", cast.acme.pk)).content.decode()
    assert _url(cast, "company_membership_new", cast.acme.pk) in page


def test_the_action_refuses_a_plan_the_form_would_not_offer(cast):
    """The form offers only the holder's location's open plans; the action
    holds the same rule for every other caller."""
    from django.core.exceptions import ValidationError

    from members.actions.memberships import membership_create

    for plan in (
        _plan(cast, "mill"),
        _plan(cast, archived_at=timezone.now()),
        f.PlanFactory(organization=cast.other_org, location=cast.other_location),
    ):
        with pytest.raises(ValidationError) as refused:
            membership_create(
                plan=plan, member=cast.teammate, start_date=timezone.localdate(), actor=cast.admin
            )
        assert set(refused.value.message_dict) == {"plan"}
    assert not Membership.objects.filter(member=cast.teammate).exists()
