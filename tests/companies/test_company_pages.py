"""Creating, editing and archiving companies in the admin portal, and who
may (issue 13, item 2). Changing a company needs "manage customers" at
every location of it; seeing it, at one of them."""

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.models import AuditEntry, Verb
from companies.models import Company, CompanyLocation
from members.models import Member, MemberStatus
from organizations.permissions import MANAGE_SETTINGS
from tests import factories as f
from tests.team_cast import shows

pytestmark = pytest.mark.django_db


@pytest.fixture
def umbrella(cast):
    """A company at both of Northwind's locations, one member at each."""
    company = f.CompanyFactory(location=cast.harbour, also_at=[cast.mill], name="Umbrella")
    f.MemberFactory(location=cast.harbour, company=company, first_name="Hana")
    f.MemberFactory(location=cast.mill, company=company, first_name="Milo")
    return company


def _settings_only_admin(cast):
    """An admin who holds "manage settings" at the harbour, not customers."""
    user = f.OrganizationAdminFactory(organization=cast.org).user
    assign_perm(MANAGE_SETTINGS, user, cast.harbour)
    return user


ACTORS = {
    "owner": lambda c: c.owner,
    "admin of the harbour": lambda c: c.admin,
    "admin without manage customers": _settings_only_admin,
    "admin of the mill": lambda c: c.mill_admin,
    "contact person": lambda c: c.contact.user,
    "member": lambda c: c.teammate.user,
    "other organization's owner": lambda c: c.other_admin,
}


def _url(cast, name, *args):
    return reverse(f"adminportal:{name}", args=[cast.org.slug, *args])


def _form(cast, **fields):
    data = {"name": "Hooli", "email": "", "phone": "", "locations": [cast.harbour.pk]}
    data.update(fields)
    return data


# What each actor gets, per page: 200/302 allowed, 403 refused with the
# reason, 404 (not an admin here, or the company is not at their locations).
EXPECTED = {
    #                       new   edit acme  edit umbrella  archive acme  timeline acme
    "owner": (200, 200, 200, 302, 200),
    "admin of the harbour": (200, 200, 403, 302, 200),
    "admin without manage customers": (403, 404, 404, 404, 404),
    "admin of the mill": (200, 404, 403, 404, 404),
    "contact person": (404, 404, 404, 404, 404),
    "member": (404, 404, 404, 404, 404),
    "other organization's owner": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client, cast, umbrella, actor):
    client.force_login(ACTORS[actor](cast))
    new, edit_acme, edit_umbrella, archive_acme, timeline = EXPECTED[actor]
    assert client.get(_url(cast, "company_new")).status_code == new
    assert client.get(_url(cast, "company_edit", cast.acme.pk)).status_code == edit_acme
    response = client.get(_url(cast, "company_edit", umbrella.pk))
    assert response.status_code == edit_umbrella
    if edit_umbrella == 403:
        assert shows(response, "every location of this company")
    # Forged POSTs meet the same rule; nothing changes when refused.
    both = [cast.harbour.pk, cast.mill.pk]
    client.post(
        _url(cast, "company_edit", umbrella.pk), _form(cast, name="Renamed", locations=both)
    )
    umbrella.refresh_from_db()
    assert (umbrella.name == "Renamed") == (edit_umbrella == 200)
    # Acme has active members: archiving is refused with a message, even
    # for whoever may archive.
    assert client.post(_url(cast, "company_archive", cast.acme.pk)).status_code == archive_acme
    assert not Company.objects.get(pk=cast.acme.pk).is_archived
    assert client.get(_url(cast, "company_timeline", cast.acme.pk)).status_code == timeline


def test_a_company_is_created_at_the_admins_locations(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        _url(cast, "company_new"),
        _form(cast, name="  Hooli ", email="billing@hooli.test", tax_id="DE1"),
    )
    company = Company.objects.get(name="Hooli")
    assert response.status_code == 302
    assert list(company.locations.all()) == [cast.harbour]
    assert (company.email, company.tax_id) == ("billing@hooli.test", "DE1")
    entry = AuditEntry.objects.get(verb=Verb.COMPANY_CREATED, subject_id=company.pk)
    assert entry.actor == cast.admin and entry.after["location_ids"] == [cast.harbour.pk]


@pytest.mark.parametrize(
    "locations",
    [
        pytest.param(lambda c: [c.mill.pk], id="a location the admin does not manage"),
        pytest.param(lambda c: [c.other_location.pk], id="another organization's location"),
        pytest.param(lambda c: [], id="no location"),
        pytest.param(lambda c: ["x"], id="not an id"),
    ],
)
def test_forged_locations_are_refused_at_the_field(client, cast, locations):
    client.force_login(cast.admin)
    response = client.post(_url(cast, "company_new"), _form(cast, locations=locations(cast)))
    assert response.status_code == 200
    assert "locations" in response.context["form"].errors
    assert not Company.objects.filter(name="Hooli").exists()


def test_bad_input_is_told_at_the_field_and_nothing_is_saved(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        _url(cast, "company_new"), _form(cast, name="x" * 201, email="nope", phone="1\n2")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email", "phone"}
    assert not Company.objects.filter(email="nope").exists()


def test_another_organizations_company_is_a_404(client, cast):
    theirs = f.CompanyFactory(location=cast.other_location)
    client.force_login(cast.owner)
    for name in ("company", "company_edit", "company_timeline"):
        assert client.get(_url(cast, name, theirs.pk)).status_code == 404
    for name in ("company_archive", "company_restore"):
        assert client.post(_url(cast, name, theirs.pk)).status_code == 404


def test_a_location_is_added_and_one_without_members_taken_away(client, cast, umbrella):
    client.force_login(cast.owner)
    empty = f.LocationFactory(organization=cast.org, name="Annex")
    data = _form(cast, name="Umbrella", locations=[cast.harbour.pk, cast.mill.pk, empty.pk])
    assert client.post(_url(cast, "company_edit", umbrella.pk), data).status_code == 302
    assert set(umbrella.locations.all()) == {cast.harbour, cast.mill, empty}
    data["locations"] = [cast.harbour.pk, cast.mill.pk]
    assert client.post(_url(cast, "company_edit", umbrella.pk), data).status_code == 302
    assert set(umbrella.locations.all()) == {cast.harbour, cast.mill}


def test_a_location_with_members_is_not_taken_away(client, cast, umbrella):
    client.force_login(cast.owner)
    data = _form(cast, name="Umbrella 2", locations=[cast.harbour.pk])
    response = client.post(_url(cast, "company_edit", umbrella.pk), data)
    assert response.status_code == 200
    assert "Old Mill" in " ".join(response.context["form"].errors["locations"])
    umbrella.refresh_from_db()
    assert umbrella.name == "Umbrella"  # nothing half-saved
    assert set(umbrella.locations.all()) == {cast.harbour, cast.mill}


# ------------------------------------------------------------ archiving


def test_archiving_is_refused_while_a_member_is_active(client, cast):
    client.force_login(cast.admin)
    response = client.post(_url(cast, "company_archive", cast.acme.pk), follow=True)
    assert shows(response, "still has 3 active member(s)")
    assert Company.objects.get(pk=cast.acme.pk).archived_at is None


def test_an_archived_company_is_hidden_takes_no_members_and_comes_back(client, cast):
    company = f.CompanyFactory(location=cast.harbour, name="Soylent")
    f.MemberFactory(location=cast.harbour, company=company, status=MemberStatus.FORMER)
    client.force_login(cast.admin)
    assert client.post(_url(cast, "company_archive", company.pk)).status_code == 302
    company.refresh_from_db()
    assert company.is_archived

    def table(response):
        html = response.content.decode()
        return html[html.index("<h1>") :]

    listed = table(client.get(_url(cast, "companies")))
    assert "Soylent" not in listed and "Acme" in listed
    archived = table(client.get(_url(cast, "companies"), {"archived": "on"}))
    assert "Soylent" in archived and "Acme" not in archived
    # Its page still opens (its history), without Add buttons.
    page = client.get(_url(cast, "company", company.pk))
    assert page.status_code == 200 and "Add a member" not in page.content.decode()

    response = client.post(
        _url(cast, "company_add_member", company.pk),
        {"first_name": "Nia", "email": "nia@example.test", "status": "contact"},
    )
    assert response.status_code == 403
    assert not Member.objects.filter(email="nia@example.test").exists()
    assert client.post(_url(cast, "company_edit", company.pk), _form(cast)).status_code == 403

    assert client.post(_url(cast, "company_restore", company.pk)).status_code == 302
    company.refresh_from_db()
    assert not company.is_archived


def test_nobody_joins_an_archived_company_by_any_door(cast):
    from members.actions.invitations import member_invite_new
    from members.actions.records import member_create

    company = f.CompanyFactory(location=cast.harbour, archived_at=timezone.now())
    with pytest.raises(Exception, match="archived"):
        member_create(organization=cast.org, location=cast.harbour, company=company, first_name="A")
    with pytest.raises(Exception, match="archived"):
        member_invite_new(
            organization=cast.org,
            location=cast.harbour,
            first_name="B",
            email="b@example.test",
            company=company,
            actor=cast.admin,
        )
    assert not Member.objects.filter(company=company).exists()


def test_a_member_joins_a_company_only_at_one_of_its_locations(cast):
    from members.actions.records import member_create

    with pytest.raises(Exception, match="not a customer at Old Mill"):
        member_create(organization=cast.org, location=cast.mill, company=cast.acme, first_name="A")
    CompanyLocation.objects.create(organization=cast.org, company=cast.acme, location=cast.mill)
    member = member_create(
        organization=cast.org, location=cast.mill, company=cast.acme, first_name="A"
    )
    assert member.location == cast.mill


def test_a_transfer_keeps_the_company_where_it_is_a_customer(cast, umbrella):
    from members.actions.access import member_transfer

    hana = Member.objects.get(first_name="Hana")
    member_transfer(member=hana, to_location=cast.mill, actor=cast.owner)
    hana.refresh_from_db()
    assert (hana.location, hana.company) == (cast.mill, umbrella)
    annex = f.LocationFactory(organization=cast.org)
    transfer = member_transfer(member=hana, to_location=annex, actor=cast.owner)
    hana.refresh_from_db()
    assert hana.company is None and transfer.company_cleared == "Umbrella"


def test_the_company_form_offers_people_by_search_not_a_select(client, cast):
    """Contact and billing person are picked on the company page by
    search-as-you-type among its members (the roles card); the company
    form itself lists no people."""
    for n in range(30):
        f.MemberFactory(location=cast.harbour, company=cast.acme, first_name=f"P{n}")
    client.force_login(cast.admin)
    html = client.get(_url(cast, "company_edit", cast.acme.pk)).content.decode()
    assert "P29" not in html
    page = client.get(_url(cast, "company", cast.acme.pk)).content.decode()
    assert "<option" not in page  # no select of people: they are found by typing
    found = client.get(
        _url(cast, "company_member_pick", cast.acme.pk), {"role": "contact_person", "q": "P29"}
    )
    assert "P29" in found.content.decode()


# ------------------------------------------------------------ queries


@pytest.mark.parametrize("size", [3, 30])
def test_company_form_pages_keep_their_queries(client, cast, size, django_assert_max_num_queries):
    for _ in range(size):
        f.LocationFactory(organization=cast.org)
        f.MemberFactory(location=cast.harbour, company=cast.acme)
    client.force_login(cast.owner)
    with django_assert_max_num_queries(9):
        assert client.get(_url(cast, "company_new")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(_url(cast, "company_edit", cast.acme.pk)).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_directory_of_multi_location_companies_keeps_its_queries(
    client, cast, size, django_assert_max_num_queries
):
    places = [f.LocationFactory(organization=cast.org) for _ in range(3)]
    for n in range(size):
        company = f.CompanyFactory(location=cast.harbour, also_at=places)
        f.MemberFactory(location=places[n % 3], company=company)
    client.force_login(cast.owner)
    with django_assert_max_num_queries(10):
        response = client.get(_url(cast, "companies"))
    assert response.status_code == 200
