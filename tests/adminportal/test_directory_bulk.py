"""Bulk actions of the directory (issue 12, item 4): each member through
the one-at-a-time action, refusals reported per row, only allowed rows
changed, each change with its history entry and outbox event."""

from django.urls import reverse

from integrations.models import OutboxEvent
from members.models import Member, MemberStatus, PortalAccess, StatusChange
from tests import factories as f


def post(client, user, org, tab="members", **data):
    client.force_login(user)
    return client.post(reverse(f"adminportal:{tab}_bulk", args=[org.slug]), data)


def test_mixed_selection_changes_the_allowed_and_reports_each_refusal(client, cast):
    plain = f.MemberFactory(location=cast.harbour, first_name="Pia")
    frozen = f.MemberFactory(
        location=cast.harbour, first_name="Fay", portal_access=PortalAccess.DEACTIVATED
    )
    # The owner's own record: a location admin may not change it.
    owner_record = f.PortalMemberFactory(
        location=cast.harbour, first_name="Olga", user=cast.owner, email=cast.owner.email
    )
    elsewhere = f.MemberFactory(location=cast.mill, first_name="Milo")
    response = post(
        client,
        cast.admin,
        cast.org,
        action="status",
        status=MemberStatus.FORMER,
        reason="Left in May",
        member=[plain.pk, frozen.pk, owner_record.pk, elsewhere.pk, cast.teammate.pk],
    )
    assert response.status_code == 200
    refused = {r.member.pk: r.refusal for r in response.context["refused"]}
    assert set(refused) == {frozen.pk, owner_record.pk}
    assert "read-only" in refused[frozen.pk]
    assert "owner" in refused[owner_record.pk]
    assert {r.member.pk for r in response.context["done"]} == {plain.pk, cast.teammate.pk}
    assert "Fay" in response.content.decode() and "Olga" in response.content.decode()

    statuses = dict(Member.objects.values_list("pk", "status"))
    assert statuses[plain.pk] == statuses[cast.teammate.pk] == MemberStatus.FORMER
    assert statuses[frozen.pk] == statuses[owner_record.pk] == MemberStatus.ACTIVE
    assert statuses[elsewhere.pk] == MemberStatus.ACTIVE  # not the admin's location
    for member in (plain, cast.teammate):
        change = StatusChange.objects.get(member=member)
        assert (change.actor_id, change.reason, change.to_status) == (
            cast.admin.pk,
            "Left in May",
            MemberStatus.FORMER,
        )
        assert OutboxEvent.objects.filter(member_ref=member.pk, event="member.status_changed")
    for member in (frozen, owner_record, elsewhere):
        assert not StatusChange.objects.filter(member=member).exists()
        assert not OutboxEvent.objects.filter(member_ref=member.pk).exists()


def test_every_member_matching_the_filter(client, cast):
    response = post(
        client,
        cast.admin,
        cast.org,
        action="status",
        status=MemberStatus.CONTACT,
        all="1",
        query="q=acme",
    )
    assert {r.member.pk for r in response.context["done"]} == {
        cast.contact.pk,
        cast.billing.pk,
        cast.teammate.pk,
    }
    assert Member.objects.get(pk=cast.globex_contact.pk).status == MemberStatus.ACTIVE


def test_bulk_invite_reports_who_cannot_be_invited(client, cast):
    fresh = f.MemberFactory(location=cast.harbour, first_name="Ivy")
    no_email = f.MemberFactory(location=cast.harbour, first_name="Nat", email="")
    response = post(
        client,
        cast.admin,
        cast.org,
        action="invite",
        member=[fresh.pk, no_email.pk, cast.teammate.pk],
    )
    refused = {r.member.pk: r.refusal for r in response.context["refused"]}
    assert set(refused) == {no_email.pk, cast.teammate.pk}
    assert "already uses" in refused[cast.teammate.pk]
    assert Member.objects.get(pk=fresh.pk).portal_access == PortalAccess.PENDING
    assert Member.objects.get(pk=no_email.pk).portal_access == PortalAccess.NONE


def test_another_organizations_admin_changes_nothing(client, cast):
    response = post(
        client,
        cast.other_admin,
        cast.org,
        action="status",
        status=MemberStatus.FORMER,
        member=[cast.teammate.pk],
    )
    assert response.status_code == 404
    response = post(
        client,
        cast.other_admin,
        cast.other_org,
        action="status",
        status=MemberStatus.FORMER,
        member=[cast.teammate.pk],
    )
    assert response.status_code == 302  # nothing of theirs selected
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.ACTIVE
