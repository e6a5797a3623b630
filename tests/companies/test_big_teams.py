"""A company of many members (issue 12, item 6): My team and the admin
company page show 50 rows at a time and search them, a member's history is
read when it is opened, and roles are picked by search-as-you-type from
that company's members only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.actions.team import team_change_status
from members.models import Member
from tests import factories as f

pytestmark = pytest.mark.usefixtures("warm_caches")


def _fill(team, n, **fields):
    return [
        f.MemberFactory(location=team.cast.harbour, company=team.cast.acme, **fields)
        for _ in range(n)
    ]


def _company_url(team):
    return reverse("adminportal:company", args=[team.cast.org.slug, team.cast.acme.pk])


def _pick(client, team, role, q, company=None, org=None):
    company = company or team.cast.acme
    url = reverse("adminportal:company_member_pick", args=[(org or team.cast.org).slug, company.pk])
    return client.get(url, {"role": role, "q": q})


def test_company_page_queries_do_not_grow_with_the_team(client, team):
    client.force_login(team.cast.admin)
    client.get(_company_url(team))  # the header's switcher, kept from then on
    counts = {}
    for size in (10, 60):
        _fill(team, size - Member.objects.filter(company=team.cast.acme).count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_company_url(team))
        assert response.status_code == 200
        html = response.content.decode()
        rows = html[html.index('id="team-list"') :].count('data-label="Role"')
        assert rows == min(size, 50)
        counts[size] = len(queries)
    # Issue 13 added the company's locations, the admin's location ids and
    # the role holders' location links: one each. Issue 14: the seats per
    # location (the company's memberships with seats, its Active members
    # counted) and the company's recent whole-team moves. The activity
    # timeline is read by its card, when it is shown.
    assert counts[10] == counts[60] <= 16, counts


def test_company_page_pages_and_searches_the_team(client, team):
    _fill(team, 60, first_name="Zed")
    client.force_login(team.cast.admin)
    second = client.get(_company_url(team), {"page": 2})
    assert "Page 2 of 2" in second.content.decode()
    found = client.get(_company_url(team), {"q": team.colleague.email})
    assert found.context["page"].paginator.count == 1
    assert team.colleague.full_name in found.content.decode()
    # htmx asks for the list alone.
    fragment = client.get(_company_url(team), {"q": "zed"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and 'id="team-list"' in body
    assert fragment.context["page"].paginator.count == 60


def test_the_roles_form_is_no_longer_a_list_of_the_whole_team(client, team):
    _fill(team, 120)
    client.force_login(team.cast.admin)
    html = client.get(_company_url(team)).content.decode()
    roles = html[html.index('id="roles"') :]
    assert (
        roles.count('name="managers"')
        == Member.objects.filter(company=team.cast.acme, is_manager=True).count()
    )
    assert "<select" not in roles
    assert roles.count('name="contact_person"') == 2  # nobody, and the current one


def test_the_picker_finds_this_companys_members_and_no_one_else(client, team):
    cast = team.cast
    f.MemberFactory(location=cast.harbour, company=cast.globex, first_name="Quincy")
    f.MemberFactory(location=cast.other_location, first_name="Quincy")
    (mine,) = _fill(team, 1, first_name="Quincy")
    client.force_login(cast.admin)
    response = _pick(client, team, "managers", "quincy")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{mine.pk}"' in html and html.count("Quincy") == 1
    assert 'type="checkbox" name="managers"' in html
    radio = _pick(client, team, "contact_person", "quincy").content.decode()
    assert 'type="radio" name="contact_person"' in radio
    # The holder already shown is not offered twice.
    holder = _pick(client, team, "contact_person", cast.contact.first_name).content.decode()
    assert f'value="{cast.contact.pk}"' not in holder


def test_the_picker_refuses_other_locations_organizations_and_roles(client, team):
    cast = team.cast
    for admin, org in ((cast.mill_admin, None), (cast.other_admin, None)):
        client.force_login(admin)
        assert _pick(client, team, "managers", "a", org=org).status_code == 404
    client.force_login(cast.other_admin)
    assert _pick(client, team, "managers", "a", org=cast.other_org).status_code == 404
    client.force_login(cast.admin)
    assert _pick(client, team, "internal_notes", "a").status_code == 404
    client.force_login(cast.contact.user)  # a contact person is no admin
    assert _pick(client, team, "managers", "a").status_code == 404


def test_a_picked_member_is_saved_with_the_role(client, team):
    (picked,) = _fill(team, 1, first_name="Pia")
    client.force_login(team.cast.admin)
    url = reverse("adminportal:company_roles", args=[team.cast.org.slug, team.cast.acme.pk])
    client.post(
        url,
        {
            "contact_person": team.cast.contact.pk,
            "billing_person": team.cast.billing.pk,
            "managers": [team.manager.pk, picked.pk],
        },
    )
    picked.refresh_from_db()
    assert picked.is_manager


def _team_url(team):
    return reverse("portal:team", args=[team.cast.org.slug])


def test_my_team_searches_only_the_contact_persons_own_team_and_names_only(client, team):
    cast = team.cast
    f.MemberFactory(location=cast.harbour, company=cast.globex, first_name="Quincy")
    f.MemberFactory(location=cast.other_location, first_name="Quincy")
    (mine,) = _fill(team, 1, first_name="Quincy")
    client.force_login(cast.contact.user)
    response = client.get(_team_url(team), {"q": "quincy"}, HTTP_HX_REQUEST="true")
    assert [m.pk for m in response.context["members"]] == [mine.pk]
    assert "<html" not in response.content.decode()
    # Names only: an address is not something a contact person may search by.
    assert client.get(_team_url(team), {"q": mine.email}).context["members"] == []
    # Globex's contact searches Globex.
    client.force_login(cast.globex_contact.user)
    found = client.get(_team_url(team), {"q": "quincy"}).context["members"]
    assert [m.company_id for m in found] == [cast.globex.pk]


def test_my_team_pages_fifty_at_a_time(client, team):
    _fill(team, 60)
    client.force_login(team.cast.contact.user)
    first = client.get(_team_url(team))
    second = client.get(_team_url(team), {"page": 2})
    total = Member.objects.filter(company=team.cast.acme).count()
    assert len(first.context["members"]) == 50
    assert len(second.context["members"]) == total - 50
    assert not {m.pk for m in first.context["members"]} & {m.pk for m in second.context["members"]}


def test_a_history_is_read_when_opened_and_only_for_the_own_team(client, team):
    cast = team.cast
    team_change_status(
        actor=cast.contact.user, member=team.colleague, status="former", reason="Gone"
    )
    client.force_login(cast.contact.user)
    page = client.get(_team_url(team)).content.decode()
    assert "Gone" not in page  # not inline any more
    url = reverse("portal:team_member_history", args=[cast.org.slug, team.colleague.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert "Gone" in fragment.content.decode() and "<html" not in fragment.content.decode()
    assert "Gone" in client.get(url).content.decode()  # without JavaScript, a page
    outsider = reverse("portal:team_member_history", args=[cast.org.slug, team.outsider.pk])
    assert client.get(outsider).status_code == 404
    foreign = reverse("portal:team_member_history", args=[cast.org.slug, cast.other_member.pk])
    assert client.get(foreign).status_code == 404
    client.force_login(cast.teammate.user)  # no team role
    assert client.get(url).status_code == 403


def test_my_team_html_of_a_thousand_is_a_page_of_fifty(client, team):
    """What the page weighed before (all rows, every history inline) is in
    docs/directory.md; here, that it no longer grows with the team."""
    client.force_login(team.cast.contact.user)
    _fill(team, 60)
    small = len(client.get(_team_url(team)).content)
    Member.objects.bulk_create(
        [
            Member(
                organization=team.cast.org,
                location=team.cast.harbour,
                company=team.cast.acme,
                first_name="Bulk",
                last_name=str(i),
                email=f"bulk{i}@example.test",
            )
            for i in range(300)
        ]
    )
    large = len(client.get(_team_url(team)).content)
    assert large < small * 1.2
