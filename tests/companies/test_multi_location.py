"""A company at several locations (issue 13, item 2; seed 004, "Link to
Specific Properties"): a location-limited admin sees it only at their
location and only its members there; a contact linked to one location
manages the team there only; the contact person, linked to the whole
company, decides who manages where."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry, Verb
from companies.models import ContactLocation
from members.actions.roles import company_set_manager, company_set_roles, contact_set_locations
from members.models import Member, MemberStatus
from organizations.services import organization_update_settings
from tests import factories as f
from tests.team_cast import shows

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(cast):
    """Umbrella at the harbour and the Old Mill. Its contact person Uma
    works at the harbour; Pia, a manager, at the mill; Hal at the harbour
    and Mia at the mill are plain members. One surname for all, so that no
    random one (Hale, Humala) contains another's first name."""
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    company = f.CompanyFactory(location=cast.harbour, also_at=[cast.mill], name="Umbrella")
    uma = f.PortalMemberFactory(
        location=cast.harbour, company=company, first_name="Uma", last_name="Doe"
    )
    pia = f.PortalMemberFactory(
        location=cast.mill, company=company, first_name="Pia", last_name="Doe"
    )
    hal = f.MemberFactory(location=cast.harbour, company=company, first_name="Hal", last_name="Doe")
    mia = f.MemberFactory(location=cast.mill, company=company, first_name="Mia", last_name="Doe")
    company_set_roles(company=company, contact_person=uma, billing_person=None)
    company_set_manager(company=company, member=pia, is_manager=True)
    return type("Spread", (), dict(company=company, uma=uma, pia=pia, hal=hal, mia=mia))


def _admin(cast, name, *args):
    return reverse(f"adminportal:{name}", args=[cast.org.slug, *args])


def _portal(cast, name, *args):
    return reverse(f"portal:{name}", args=[cast.org.slug, *args])


def _team_list(response) -> str:
    html = response.content.decode()
    return html[html.index('id="team-list"') :]


def test_a_location_limited_admin_sees_only_their_locations_members(client, cast, spread):
    client.force_login(cast.mill_admin)
    # The company page: the Mill's members only; the harbour is not named.
    page = client.get(_admin(cast, "company", spread.company.pk))
    assert page.status_code == 200
    team = _team_list(page)
    assert "Mia" in team and "Pia" in team
    assert "Hal" not in team and "Uma" not in team
    assert "Harbour" not in page.content.decode()
    assert page.context["company"].member_count == 2
    # The directory's Companies tab: Umbrella, at the Old Mill, two members.
    listed = client.get(_admin(cast, "companies")).content.decode()
    row = listed[listed.index("Umbrella") :]
    row = row[: row.index("</tr>")]
    assert "Old Mill" in row and "Harbour" not in row and "of 2" in row
    # The members tab filtered by the company, its search and the export.
    by_company = client.get(_admin(cast, "members"), {"company": spread.company.pk})
    assert {m.first_name for m in by_company.context["page"].object_list} == {"Mia", "Pia"}
    searched = client.get(_admin(cast, "members"), {"q": "Umbrella"})
    assert {m.first_name for m in searched.context["page"].object_list} == {"Mia", "Pia"}
    export = client.get(_admin(cast, "members_export"), {"company": spread.company.pk})
    csv = b"".join(export.streaming_content).decode()
    assert "Mia" in csv and "Hal" not in csv and "Uma" not in csv
    # A member at the harbour, asked for by id: not there.
    assert client.get(_admin(cast, "member", spread.hal.pk)).status_code == 404
    # The role picker does not find the harbour's people either.
    found = client.get(
        _admin(cast, "company_member_pick", spread.company.pk), {"role": "managers", "q": "Hal"}
    )
    assert f'value="{spread.hal.pk}"' not in found.content.decode()
    assert spread.hal.full_name not in found.content.decode()


def test_a_location_limited_admin_does_not_change_the_company_itself(client, cast, spread):
    """Roles, links, details and archiving reach every location's team."""
    client.force_login(cast.mill_admin)
    page = client.get(_admin(cast, "company", spread.company.pk)).content.decode()
    assert "Save roles" not in page and "Edit company" not in page
    forged = client.post(
        _admin(cast, "company_roles", spread.company.pk), {"contact_person": spread.mia.pk}
    )
    assert forged.status_code == 403
    link = _admin(cast, "company_contact_link", spread.company.pk, spread.pia.pk)
    assert client.post(link, {"locations": [cast.mill.pk]}).status_code == 403
    assert not ContactLocation.objects.exists()
    spread.company.refresh_from_db()
    assert spread.company.contact_person == spread.uma


def test_the_contact_persons_team_page_shows_the_team_at_their_location(client, cast, spread):
    """The issue's test: Uma, linked to the harbour by an admin, sees and
    manages the harbour's team only."""
    client.force_login(cast.owner)
    link = _admin(cast, "company_contact_link", spread.company.pk, spread.uma.pk)
    assert client.post(link, {"locations": [cast.harbour.pk]}).status_code == 302
    client.force_login(spread.uma.user)
    team = _team_list(client.get(_portal(cast, "team")))
    assert "Hal" in team and "Uma" in team
    assert "Mia" not in team and "Pia" not in team
    # Forged requests about the mill's people: not there.
    status = client.post(_portal(cast, "team_member_status", spread.mia.pk), {"status": "former"})
    assert status.status_code == 404
    assert client.get(_portal(cast, "team_member_history", spread.mia.pk)).status_code == 404
    assert Member.objects.get(pk=spread.mia.pk).status == MemberStatus.ACTIVE
    # Adding someone at the mill is refused; at the harbour it works.
    new = {"first_name": "Ned", "email": "ned@example.test", "status": "contact"}
    refused = client.post(_portal(cast, "team_add"), {**new, "location": cast.mill.pk})
    assert refused.status_code == 200 and not Member.objects.filter(first_name="Ned").exists()
    added = client.post(_portal(cast, "team_add"), {**new, "location": cast.harbour.pk})
    assert added.status_code == 302
    assert Member.objects.get(first_name="Ned").location == cast.harbour
    # Linked to a location, she no longer decides anyone's link.
    assert client.get(_portal(cast, "team_member_link", spread.pia.pk)).status_code in (403, 404)


def test_the_contact_person_decides_who_manages_where(client, cast, spread):
    client.force_login(spread.uma.user)
    page = client.get(_portal(cast, "team")).content.decode()
    assert _portal(cast, "team_member_link", spread.pia.pk) in page
    # Plain members and she herself get no link to choose.
    assert _portal(cast, "team_member_link", spread.hal.pk) not in page
    assert _portal(cast, "team_member_link", spread.uma.pk) not in page
    response = client.post(
        _portal(cast, "team_member_link", spread.pia.pk), {"locations": [cast.mill.pk]}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(verb=Verb.CONTACT_LOCATIONS_CHANGED)
    assert (entry.actor, entry.member_id, entry.after) == (
        spread.uma.user,
        spread.pia.pk,
        {"location_ids": [cast.mill.pk]},
    )
    # Pia, a property manager now, sees the mill's team only.
    client.force_login(spread.pia.user)
    team = _team_list(client.get(_portal(cast, "team")))
    assert "Mia" in team and "Hal" not in team
    # And cannot link anyone, herself included.
    assert client.post(
        _portal(cast, "team_member_link", spread.pia.pk), {"locations": []}
    ).status_code in (403, 404)
    assert ContactLocation.objects.filter(member=spread.pia).count() == 1
    # Back to the whole company: Uma ticks nothing.
    client.force_login(spread.uma.user)
    client.post(_portal(cast, "team_member_link", spread.pia.pk), {"locations": []})
    client.force_login(spread.pia.user)
    assert "Hal" in _team_list(client.get(_portal(cast, "team")))


@pytest.mark.parametrize(
    "who,target,status",
    [
        ("plain member", "pia", 403),
        ("manager", "hal", 403),
        ("contact person", "hal", 403),  # holds no role
        ("contact person", "uma", 403),  # her own link
        ("other company's contact", "pia", 404),
    ],
)
def test_who_may_not_link(client, cast, spread, who, target, status):
    users = {
        "plain member": lambda: (
            f.PortalMemberFactory(location=cast.harbour, company=spread.company).user
        ),
        "manager": lambda: spread.pia.user,
        "contact person": lambda: spread.uma.user,
        "other company's contact": lambda: cast.contact.user,
    }
    client.force_login(users[who]())
    member = getattr(spread, target)
    response = client.post(_portal(cast, "team_member_link", member.pk), {"locations": []})
    assert response.status_code == status
    assert not AuditEntry.objects.filter(verb=Verb.CONTACT_LOCATIONS_CHANGED).exists()


def test_a_forged_location_is_refused(client, cast, spread):
    client.force_login(spread.uma.user)
    for forged in (cast.other_location.pk, f.LocationFactory(organization=cast.org).pk):
        response = client.post(
            _portal(cast, "team_member_link", spread.pia.pk), {"locations": [forged]}
        )
        assert response.status_code == 200
        assert "locations" in response.context["form"].errors
    assert not ContactLocation.objects.exists()


def test_a_link_ends_with_the_role(cast, spread):
    contact_set_locations(company=spread.company, member=spread.pia, locations=[cast.mill])
    company_set_manager(company=spread.company, member=spread.pia, is_manager=False)
    assert not ContactLocation.objects.filter(member=spread.pia).exists()


def test_a_location_with_a_linked_contact_is_not_taken_away(cast, spread):
    from django.core.exceptions import ValidationError

    from companies.actions import company_update

    spread.mia.company = None
    spread.mia.save()
    spread.pia.location = cast.harbour
    spread.pia.save()
    contact_set_locations(company=spread.company, member=spread.pia, locations=[cast.mill])
    with pytest.raises(ValidationError, match="linked"):
        company_update(company=spread.company, locations=[cast.harbour])


@pytest.mark.parametrize("size", [4, 40])
def test_a_limited_managers_team_page_keeps_its_queries(
    client, cast, spread, size, django_assert_max_num_queries
):
    contact_set_locations(company=spread.company, member=spread.pia, locations=[cast.mill])
    for n in range(size):
        place = cast.mill if n % 2 else cast.harbour
        f.MemberFactory(location=place, company=spread.company)
    client.force_login(spread.pia.user)
    with django_assert_max_num_queries(14):
        response = client.get(_portal(cast, "team"))
    assert response.status_code == 200
    assert shows(response, "the locations you manage")


def test_the_actions_hold_the_link_whatever_the_page_showed(cast, spread):
    from django.core.exceptions import PermissionDenied

    from members.actions.team import team_add_member, team_change_status, team_invite_member

    contact_set_locations(company=spread.company, member=spread.uma, locations=[cast.harbour])
    actor = spread.uma.user
    with pytest.raises(PermissionDenied):
        team_add_member(
            actor=actor,
            company=spread.company,
            first_name="Ned",
            status="contact",
            location=cast.mill,
        )
    with pytest.raises(PermissionDenied):
        team_change_status(actor=actor, member=spread.mia, status="former")
    with pytest.raises(PermissionDenied):
        team_invite_member(actor=actor, member=spread.mia)
    # Given no location, the one she manages is where they land.
    ned = team_add_member(actor=actor, company=spread.company, first_name="Ned", status="contact")
    assert ned.location == cast.harbour
    assert Member.objects.get(pk=spread.mia.pk).status == MemberStatus.ACTIVE
