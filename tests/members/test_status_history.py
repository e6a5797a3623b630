"""Status history as each reader sees it (R2.6): where the record started,
who made each change, and nothing an admin's email gives away to members."""

from django.urls import reverse

from audit.models import Via
from members.actions.status import member_change_status
from members.actions.team import team_add_member, team_change_status
from members.models import Member, MemberStatus
from tests.team_cast import shows


def _team_page(client, team, member):
    """A row's history on My team, as it loads when the row is opened."""
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_member_history", args=[team.cast.org.slug, member.pk])
    return client.get(url, HTTP_HX_REQUEST="true")


def _admin_page(client, team, member):
    client.force_login(team.cast.admin)
    return client.get(reverse("adminportal:member", args=[team.cast.org.slug, member.pk]))


def test_the_history_starts_with_who_added_the_member_and_how(client, team):
    cast = team.cast
    added = team_add_member(
        actor=cast.contact.user, company=cast.acme, first_name="Ada", status=MemberStatus.CONTACT
    )
    assert (added.added_by, added.added_via) == (cast.contact.user, Via.PORTAL)
    day = added.created_at.strftime("%-d %b %Y")

    page = _team_page(client, team, added)
    assert shows(page, f"Added {day} by {cast.contact.full_name} via the member portal.")
    page = _admin_page(client, team, added)
    assert shows(page, f"Added {day} by {cast.contact.user.email} via the member portal.")


def test_the_member_portal_names_people_and_never_shows_an_admins_email(client, team):
    cast = team.cast
    member_change_status(
        member=team.colleague, status=MemberStatus.CONTACT, actor=cast.admin, via=Via.ADMIN
    )
    team_change_status(actor=cast.contact.user, member=team.colleague, status=MemberStatus.ACTIVE)

    page = _team_page(client, team, team.colleague)
    assert shows(page, "An admin of Northwind")
    assert shows(page, cast.contact.full_name)
    assert cast.admin.email not in page.content.decode()
    whole = client.get(reverse("portal:team", args=[cast.org.slug]))
    assert cast.admin.email not in whole.content.decode()
    # Admins see who it was.
    assert shows(_admin_page(client, team, team.colleague), cast.admin.email)


def test_a_change_by_a_deleted_account_says_deleted_user_not_system(client, team):
    cast = team.cast
    member_change_status(
        member=team.colleague, status=MemberStatus.CONTACT, actor=cast.teammate.user, via=Via.ADMIN
    )
    member_change_status(
        member=team.colleague, status=MemberStatus.ACTIVE, actor=None, via=Via.SYSTEM
    )
    cast.teammate.user.delete()  # SET_NULL on the history row

    for page in (
        _team_page(client, team, team.colleague),
        _admin_page(client, team, team.colleague),
    ):
        html = page.content.decode()
        row = html[html.index("Contact → Active") :].split("</tr>")[0]
        assert "System" in row
        row = html[html.index("Active → Contact") :].split("</tr>")[0]
        assert "Deleted user" in row and "System" not in row


def test_a_member_sees_their_own_history_on_their_profile(client, team):
    cast = team.cast
    teammate = cast.teammate
    member_change_status(
        member=teammate, status=MemberStatus.CONTACT, actor=cast.admin, via=Via.ADMIN
    )
    member_change_status(
        member=teammate, status=MemberStatus.ACTIVE, actor=cast.admin, via=Via.ADMIN, reason="Back"
    )
    client.force_login(teammate.user)
    page = client.get(reverse("portal:home", args=[cast.org.slug]))
    assert page.status_code == 200
    assert shows(page, "Status history") and shows(page, "Contact → Active")
    assert shows(page, "An admin of Northwind") and shows(page, "Back")
    assert cast.admin.email not in page.content.decode()
    whole = client.get(reverse("portal:team", args=[cast.org.slug]))
    assert cast.admin.email not in whole.content.decode()


def test_the_profile_page_costs_the_same_with_a_long_history(client, team, warm_caches):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories as f

    cast = team.cast
    client.force_login(cast.teammate.user)
    url = reverse("portal:home", args=[cast.org.slug])
    client.get(url)  # the header's switcher, kept from then on
    actors = [cast.admin, cast.contact.user, cast.billing.user, team.manager.user]
    counts = []
    for batch in (actors[:1], actors * 3):
        for actor in batch:
            f.StatusChangeFactory(member=cast.teammate, actor=actor, via=Via.ADMIN)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert Member.objects.get(pk=cast.teammate.pk).status_changes.count() == 13
