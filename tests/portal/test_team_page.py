"""My team page: rows, htmx swaps, no-JavaScript fallback, bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.actions.team import team_change_status
from members.models import Member, MemberStatus
from members.policy import ACTIVE_MEMBERSHIP, OWN_STATUS
from notifications.models import Notification
from organizations.services import organization_update_settings
from tests import factories as f
from tests.team_cast import refreshed, said, shows


def team_url(team):
    return reverse("portal:team", args=[team.cast.org.slug])


def status_url(team, member):
    return reverse("portal:team_member_status", args=[team.cast.org.slug, member.pk])


def test_page_lists_the_team_with_roles_and_disables_what_is_refused(client, team):
    client.force_login(team.cast.contact.user)
    response = client.get(team_url(team))
    html = response.content.decode()
    assert response.status_code == 200
    for member in (team.cast.contact, team.cast.billing, team.manager, team.colleague):
        assert member.full_name in html
    assert "Contact person" in html and "Billing person" in html and "Manager" in html
    assert team.outsider.full_name not in html and team.cast.globex_contact.full_name not in html
    assert shows(response, said(OWN_STATUS))
    assert shows(response, said(ACTIVE_MEMBERSHIP, "Cora Vance"))
    # No status form on the rows it refuses.
    assert status_url(team, team.cast.contact) not in html
    assert status_url(team, team.committed) not in html
    assert status_url(team, team.colleague) in html


def test_htmx_status_change_returns_just_the_row(client, team):
    client.force_login(team.cast.contact.user)
    response = client.post(
        status_url(team, team.colleague), {"status": "former"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tbody id="member-{team.colleague.pk}"')
    assert "<html" not in html
    assert "is now Former" in html
    assert refreshed(team.colleague).status == MemberStatus.FORMER


def test_htmx_refusal_comes_back_in_the_row(client, team):
    client.force_login(team.cast.contact.user)
    response = client.post(
        status_url(team, team.committed), {"status": "former"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert shows(response, said(ACTIVE_MEMBERSHIP, "Cora Vance"))
    assert refreshed(team.committed).status == MemberStatus.ACTIVE


def test_without_javascript_it_redirects_with_a_message(client, team):
    client.force_login(team.cast.contact.user)
    response = client.post(status_url(team, team.colleague), {"status": "contact"})
    assert response.status_code == 302 and response.url == team_url(team)
    page = client.get(response.url)
    assert shows(page, f"{team.colleague.full_name} is now Contact.")


def test_unknown_status_is_refused(client, team):
    client.force_login(team.cast.contact.user)
    response = client.post(status_url(team, team.colleague), {"status": "vip"}, follow=True)
    assert shows(response, "Select a valid choice")
    assert refreshed(team.colleague).status == MemberStatus.ACTIVE


def test_get_on_the_status_url_is_not_allowed(client, team):
    client.force_login(team.cast.contact.user)
    assert client.get(status_url(team, team.colleague)).status_code == 405


def _fill_team(team, n):
    for i in range(n):
        member = f.MemberFactory(location=team.cast.harbour, company=team.cast.acme)
        if i % 3 == 0:
            f.MembershipFactory(member=member)
        if i % 4 == 0:
            # Changes by many different people, named on the page: still no
            # query per row (their names are prefetched).
            actor = (
                team.cast.admin if i % 8 else f.PortalMemberFactory(location=team.cast.harbour).user
            )
            f.StatusChangeFactory(member=member, actor=actor)


def test_team_page_queries_do_not_grow_with_the_team(client, team, warm_caches):
    client.force_login(team.cast.contact.user)
    client.get(team_url(team))  # the header's switcher, kept from then on
    counts = {}
    for size in (10, 60):
        _fill_team(team, size - Member.objects.filter(company=team.cast.acme).count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(team_url(team))
        assert response.status_code == 200
        # A page of 50 at most: the rest is a page or a search away.
        assert response.content.decode().count('class="team-member"') == min(size, 50)
        counts[size] = len(queries)
    # With the company's locations (the page's places and its seats) and
    # its memberships with seats; its Active members are counted only where
    # one of those sets a cap (tests/portal/test_team_seats.py). The header's
    # organization switcher is read from the cache after the first page.
    assert counts[10] == counts[60] <= 11, counts


@pytest.mark.parametrize("size", [5, 50])
def test_notifications_list_queries_do_not_grow(client, team, size, django_assert_max_num_queries):
    members = [
        f.MemberFactory(location=team.cast.harbour, company=team.cast.acme) for _ in range(size)
    ]
    for member in members:
        team_change_status(actor=team.cast.contact.user, member=member, status="former")
    assert Notification.objects.filter(recipient=team.cast.admin).count() == size
    client.force_login(team.cast.admin)
    url = reverse("adminportal:notifications", args=[team.cast.org.slug])
    # 9, and the location-limited admin's grants, read once a request.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="card notification') == size


def test_htmx_gets_a_full_page_when_the_page_itself_is_refused(client, team):
    """htmx 2 swaps nothing on a 403/404, and would swap a login form into the
    row after a redirect: the browser is sent to the full page instead."""
    client.force_login(team.cast.contact.user)
    organization_update_settings(organization=team.cast.org, actor=None, contacts_manage_team=False)
    response = client.post(
        status_url(team, team.colleague), {"status": "former"}, HTTP_HX_REQUEST="true"
    )
    assert response.headers.get("HX-Refresh") == "true"
    assert refreshed(team.colleague).status == MemberStatus.ACTIVE
    # The refreshed page says why.
    assert shows(client.get(team_url(team)), "Team management is switched off")

    client.logout()
    response = client.post(
        status_url(team, team.colleague), {"status": "former"}, HTTP_HX_REQUEST="true"
    )
    assert response.headers.get("HX-Redirect", "").startswith(reverse("account_login"))


def test_a_teammate_set_to_former_shows_their_portal_closed(client, team):
    teammate = team.cast.teammate  # has a login, portal access active
    client.force_login(team.cast.contact.user)
    client.post(status_url(team, teammate), {"status": MemberStatus.FORMER})
    html = client.get(team_url(team)).content.decode()
    rows = html[html.index("<tbody") :]
    row = rows[rows.index(teammate.full_name) :].split("</tr>")[0]
    assert "Closed while Former" in row
    client.force_login(team.cast.admin)
    page = client.get(reverse("adminportal:member", args=[team.cast.org.slug, teammate.pk]))
    assert "Closed while Former" in page.content.decode()


def _portal_status(client, team, member):
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_member_status", args=[team.cast.org.slug, member.pk])
    return client.post(url, {"status": "former"}, follow=True)


def test_portal_message_mentions_the_portal_only_for_someone_who_used_it(client, team):
    no_login = _portal_status(client, team, team.colleague)
    assert shows(no_login, "The admins of Northwind have been told.")
    assert not shows(no_login, "can no longer use the member portal")
    with_login = _portal_status(client, team, team.cast.teammate)
    assert shows(with_login, "They can no longer use the member portal.")


def test_the_team_page_honours_each_persons_phone_choice(client, cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    hidden = f.MemberFactory(location=cast.harbour, company=cast.acme, phone="+1 555 0100")
    shown = f.MemberFactory(
        location=cast.harbour, company=cast.acme, phone="+1 555 0199", show_phone=True
    )
    default = f.MemberFactory(location=cast.harbour, company=cast.acme, phone="+1 555 0142")
    client.force_login(cast.contact.user)
    page = client.get(reverse("portal:team", args=[cast.org.slug])).content.decode()
    assert shown.phone in page
    assert hidden.phone not in page  # the organization's default hides phones
    assert default.phone not in page
    assert hidden.email in page  # the contact person needs emails to manage the team

    organization_update_settings(organization=cast.org, actor=None, members_see_phone=True)
    Member.objects.filter(pk=hidden.pk).update(show_phone=False)
    page = client.get(reverse("portal:team", args=[cast.org.slug])).content.decode()
    assert default.phone in page and hidden.phone not in page
