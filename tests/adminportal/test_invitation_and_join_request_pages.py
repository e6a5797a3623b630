"""The pending-invitations list and the join-request messages (R4.4, R4.5)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.actions.access import member_deactivate_access
from members.actions.join_requests import join_request_approve, join_request_submit
from members.actions.mass_invite import mass_invite, parse_rows
from members.actions.roles import company_set_manager, company_set_roles
from members.actions.status import member_change_status
from members.models import MemberStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_the_pending_list_pages_through_everyone_and_says_how_many(
    client, cast, django_assert_max_num_queries
):
    text = "\n".join(f"P{i}\t\tp{i}@bulk.test" for i in range(230))
    preview = parse_rows(text, organization=cast.org, user=cast.admin, location=cast.harbour)
    mass_invite(organization=cast.org, actor=cast.admin, rows=preview.valid)
    client.force_login(cast.admin)
    url = reverse("adminportal:invitations", args=[cast.org.slug])
    with django_assert_max_num_queries(15):
        first = client.get(url).content.decode()
    assert "230 pending invitations" in first and "Page 1 of 3" in first
    assert first.count("@bulk.test</td>") == 100
    last = client.get(url + "?page=3").content.decode()
    assert last.count("@bulk.test</td>") == 30


def test_approving_a_request_from_a_former_member_says_what_to_do(cast):
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    request = join_request_submit(
        location=cast.harbour, first_name="Tess", email=cast.teammate.email
    )
    with pytest.raises(ValidationError) as refused:
        join_request_approve(join_request=request, actor=cast.admin)
    text = " ".join(refused.value.messages)
    assert "Former" in text and "set them Active on their profile, then invite them" in text


def test_approving_a_request_from_someone_already_in_the_portal_says_so(cast):
    request = join_request_submit(
        location=cast.harbour, first_name="Tess", email=cast.teammate.email
    )
    with pytest.raises(ValidationError) as refused:
        join_request_approve(join_request=request, actor=cast.admin)
    assert "already uses the member portal" in " ".join(refused.value.messages)


def test_a_deactivated_member_is_given_no_company_role(client, cast):
    member_deactivate_access(member=cast.teammate, actor=cast.admin)
    with pytest.raises(ValidationError, match="read-only"):
        company_set_roles(company=cast.acme, contact_person=cast.teammate, billing_person=None)
    with pytest.raises(ValidationError, match="read-only"):
        company_set_manager(company=cast.acme, member=cast.teammate, is_manager=True)
    client.force_login(cast.admin)
    response = client.post(
        reverse("adminportal:company_roles", args=[cast.org.slug, cast.acme.pk]),
        {
            "contact_person": cast.contact.pk,
            "billing_person": cast.teammate.pk,
            "managers": [cast.teammate.pk],
        },
        follow=True,
    )
    assert "read-only" in response.content.decode()
    cast.acme.refresh_from_db()
    cast.teammate.refresh_from_db()
    assert cast.acme.billing_person == cast.billing and not cast.teammate.is_manager


def test_a_deactivated_role_holder_can_still_be_replaced(cast):
    member_deactivate_access(member=cast.contact, actor=cast.admin)
    company_set_roles(company=cast.acme, contact_person=cast.teammate, billing_person=cast.billing)
    cast.acme.refresh_from_db()
    assert cast.acme.contact_person == cast.teammate


def test_the_resend_message_says_truthfully_when_the_earlier_link_stops(
    client, cast, django_capture_on_commit_callbacks
):
    """R4.3: the old link works until the new email has left (so a failed
    send never leaves the person without one), and the admin is told that,
    not "no longer works" at the click."""
    from members.actions.invitations import member_invite
    from members.models import Member
    from tests.invitation_helpers import last_link

    member = Member.objects.create(
        organization=cast.org, location=cast.harbour, first_name="Rae", email="rae@example.test"
    )
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    old_path, _ = last_link(member.email)
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = client.post(
            reverse("adminportal:invitation_resend", args=[cast.org.slug, member.pk]), follow=True
        ).content.decode()
    assert "Earlier links stop working as soon as it has been sent" in page
    assert "no longer work" not in page
    visitor = type(client)()
    assert visitor.get(old_path).status_code == 200  # still good: nothing sent yet
    for callback in queued:
        callback()
    assert visitor.get(old_path).status_code == 302  # the new email left: replaced
