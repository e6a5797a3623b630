# ruff: noqa: F811 - the pipeline fixtures are imported from tests/integrations
"""Approval of members added by contact persons (issue 14 item 2, R8.2).

The pipeline runs in-process (tasks eager, on-commit callbacks run) against
the stub remotes, as tests/integrations do: what the door and print systems
and the CRM hold is read from the stubs, the emails from the outbox.
"""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry, Verb, Via
from integrations.models import OutboxEvent
from members.actions.approvals import status_request_approve, status_request_reject
from members.actions.status import member_change_status
from members.actions.team import team_add_member, team_change_status
from members.models import Invitation, Member, MemberStatus, PortalAccess, StatusRequest
from members.policy import ACTIVE_MEMBERSHIP, OWN_STATUS
from notifications.models import Notification
from organizations.services import organization_update_settings
from tests import factories as f
from tests.integrations.conftest import (  # noqa: F401 - the pipeline's fixtures
    capsule,
    connect,
    fast_pipeline,
    hubspot,
    kisi,
    papercut,
    run,
)
from tests.invitation_helpers import last_link
from tests.team_cast import refreshed, said

pytestmark = pytest.mark.django_db

NINA = "nina.novak@example.test"
LINK = re.compile(r"https?://[^/\s]+(/o/[^\s?]+/admin/approvals/\d+/(approve|reject)/\?token=\S+)")


@pytest.fixture
def approval(team):
    """The team cast with "New members added by contact persons need an
    admin's approval" on."""
    organization_update_settings(
        organization=team.cast.org, actor=None, contact_additions_need_approval=True
    )
    team.cast.org.refresh_from_db()
    return team


@pytest.fixture
def remotes(approval, kisi, papercut, hubspot, capsule):
    for stub in (kisi, papercut, hubspot, capsule):
        connect(approval.cast.org, stub)
    return {"kisi": kisi, "papercut": papercut, "hubspot": hubspot, "capsule": capsule}


def add_nina(run, team, **extra):
    cast = team.cast
    return run(
        team_add_member,
        actor=cast.contact.user,
        company=cast.acme,
        first_name="Nina",
        last_name="Novak",
        email=NINA,
        status=MemberStatus.ACTIVE,
        **extra,
    )


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def email_links(address):
    """{"approve": path, "reject": path} from the newest approval email to ``address``."""
    for message in reversed(mails_to(address)):
        links = {m.group(2): m.group(1) for m in LINK.finditer(message.body)}
        if links:
            return links
    raise AssertionError(f"no approval email to {address}")


# -- approval on: nothing happens until an admin says so -------------------------------


def test_an_addition_waits_no_invitation_no_door_no_printing(remotes, approval, run):
    cast = approval.cast
    member = add_nina(run, approval)

    member = refreshed(member)
    assert member.status == MemberStatus.CONTACT
    assert member.portal_access == PortalAccess.NONE
    request = StatusRequest.objects.get(member=member)
    assert request.is_open and request.to_status == MemberStatus.ACTIVE
    assert request.kind == StatusRequest.Kind.ADDED and request.requested_by == cast.contact.user
    # No invitation owed, none sent.
    assert not Invitation.objects.filter(member=member).exists()
    assert not mails_to(NINA)
    # Door and printing grant nothing; the CRM shows the wait.
    assert not remotes["kisi"].has_access(NINA)
    assert not remotes["papercut"].can_print(NINA)
    assert remotes["hubspot"].contact(NINA)["member_status"] == "awaiting_approval"
    assert remotes["capsule"].tags_of(NINA) == ["Member: Awaiting approval"]
    latest = OutboxEvent.objects.filter(member_ref=member.pk).order_by("-sequence").first()
    assert latest.payload["status"] == "awaiting_approval"
    # The admins of Harbour are asked (one notice each, emailed), not Old Mill's.
    asked = Notification.objects.filter(kind=Notification.Kind.APPROVAL, member=member)
    assert {n.recipient for n in asked} == {cast.admin, cast.owner}
    assert all(n.status_request == request for n in asked)
    assert set(email_links(cast.admin.email)) == {"approve", "reject"}
    assert not mails_to(cast.mill_admin.email)
    # The plain "added a member" notice would say the same twice.
    assert not Notification.objects.filter(kind=Notification.Kind.MEMBER_ADDED).exists()
    # The history has every step.
    verbs = list(
        AuditEntry.objects.filter(member=member).order_by("pk").values_list("verb", flat=True)
    )
    assert verbs == [Verb.MEMBER_CREATED, Verb.TEAM_MEMBER_ADDED, Verb.APPROVAL_REQUESTED]


def test_approve_sends_the_invitation_and_the_door_grant(remotes, approval, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)

    run(status_request_approve, status_request=request, actor=cast.admin)

    member = refreshed(member)
    assert member.status == MemberStatus.ACTIVE
    assert member.portal_access == PortalAccess.PENDING
    path, _ = last_link(NINA)  # the invitation's Get started link
    assert path.startswith("/invitation/")
    assert remotes["kisi"].has_access(NINA)
    assert remotes["papercut"].can_print(NINA)
    assert remotes["hubspot"].contact(NINA)["member_status"] == "active"
    assert remotes["capsule"].tags_of(NINA) == ["Member: Active"]
    request.refresh_from_db()
    assert request.decision == StatusRequest.Decision.APPROVED
    assert request.decided_by == cast.admin and request.decision_emailed_at is not None
    # Every admin's copy closes.
    assert set(
        Notification.objects.filter(status_request=request).values_list("resolution", flat=True)
    ) == {Notification.Resolution.APPROVED}
    # The status change went through the status action: history with who and via.
    change = member.status_changes.get()
    assert (change.from_status, change.to_status) == (MemberStatus.CONTACT, MemberStatus.ACTIVE)
    assert change.actor == cast.admin and change.via == Via.ADMIN
    verbs = list(
        AuditEntry.objects.filter(member=member).order_by("pk").values_list("verb", flat=True)
    )
    assert verbs[-3:] == [Verb.APPROVAL_APPROVED, Verb.MEMBER_STATUS_CHANGED, Verb.INVITATION_SENT]
    # The contact person hears the decision.
    (decision,) = mails_to(cast.contact.email)
    assert "Approved: Nina Novak is now Active" in decision.subject
    assert "invitation to the member portal is on its way" in decision.body
    html = decision.alternatives[0][0]
    assert "Northwind" in html and "/o/northwind/portal/team/" in html


def test_reject_sends_neither_and_tells_the_contact_person_why(remotes, approval, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)
    with pytest.raises(ValidationError):
        run(status_request_reject, status_request=request, actor=cast.admin, reason="  ")

    run(status_request_reject, status_request=request, actor=cast.admin, reason="No desk free")

    member = refreshed(member)
    assert member.status == MemberStatus.CONTACT
    assert member.portal_access == PortalAccess.NONE
    assert not Invitation.objects.filter(member=member).exists() and not mails_to(NINA)
    assert not remotes["kisi"].has_access(NINA) and not remotes["papercut"].can_print(NINA)
    assert remotes["hubspot"].contact(NINA)["member_status"] == "contact"
    request.refresh_from_db()
    assert request.decision == StatusRequest.Decision.REJECTED
    assert request.decision_reason == "No desk free"
    entry = AuditEntry.objects.get(verb=Verb.APPROVAL_REJECTED)
    assert entry.reason == "No desk free" and entry.member_id == member.pk
    (decision,) = mails_to(cast.contact.email)
    assert "Not approved: Nina Novak" in decision.subject
    assert "No desk free" in decision.body and "They stay Contact." in decision.body
    # Decided once: a second click is told who decided.
    with pytest.raises(ValidationError, match="already rejected by"):
        run(status_request_approve, status_request=request, actor=cast.owner)


def test_moving_a_former_member_to_active_waits_too(remotes, approval, run):
    cast = approval.cast
    former = f.MemberFactory(
        location=cast.harbour, company=cast.acme, status=MemberStatus.FORMER, email=NINA
    )
    result = run(
        team_change_status,
        actor=cast.billing.user,
        member=former,
        status=MemberStatus.ACTIVE,
        reason="Back from leave",
    )
    assert isinstance(result, StatusRequest) and result.reason == "Back from leave"
    assert refreshed(former).status == MemberStatus.FORMER
    assert not remotes["kisi"].has_access(NINA)
    # Asking again while it waits is refused, not a second request.
    with pytest.raises(ValidationError, match="already awaiting"):
        run(team_change_status, actor=cast.contact.user, member=former, status="active")

    run(status_request_approve, status_request=result, actor=cast.owner)
    assert refreshed(former).status == MemberStatus.ACTIVE
    assert remotes["kisi"].has_access(NINA)
    # A status change never invited anyone (today's rule); only an addition does.
    assert not Invitation.objects.filter(member=former).exists()


def test_leaving_active_and_contact_changes_need_no_approval(approval, run):
    cast = approval.cast
    run(team_change_status, actor=cast.contact.user, member=approval.colleague, status="former")
    assert refreshed(approval.colleague).status == MemberStatus.FORMER
    member = add_nina(run, approval, phone="")
    assert refreshed(member).status == MemberStatus.CONTACT
    other = run(
        team_add_member,
        actor=cast.contact.user,
        company=cast.acme,
        first_name="Lea",
        email="lea@example.test",
        status=MemberStatus.CONTACT,
    )
    assert not StatusRequest.objects.filter(member=other).exists()


def test_the_team_rules_still_refuse_before_anything_is_asked(approval, run):
    """R2.3 holds with approval on: own status, another company, an active membership."""
    cast = approval.cast
    Member.objects.filter(pk__in=[approval.committed.pk, approval.outsider.pk]).update(
        status=MemberStatus.FORMER
    )
    Member.objects.filter(pk=cast.contact.pk).update(status=MemberStatus.CONTACT)
    cases = [
        (approval.committed, said(ACTIVE_MEMBERSHIP, refreshed(approval.committed))),
        (refreshed(cast.contact), said(OWN_STATUS)),
        (approval.outsider, "is not a member of your company"),
    ]
    for member, message in cases:
        with pytest.raises(PermissionDenied) as refused:
            run(
                team_change_status,
                actor=cast.contact.user,
                member=refreshed(member),
                status="active",
            )
        assert message in str(refused.value)
    assert not StatusRequest.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.APPROVAL).exists()


def test_a_status_change_made_meanwhile_withdraws_the_request(approval, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)
    run(
        member_change_status,
        member=member,
        status=MemberStatus.FORMER,
        actor=cast.admin,
        via="admin",
    )
    request.refresh_from_db()
    assert request.decision == StatusRequest.Decision.WITHDRAWN
    assert AuditEntry.objects.filter(verb=Verb.APPROVAL_WITHDRAWN, member=member).exists()
    assert set(
        Notification.objects.filter(status_request=request).values_list("resolution", flat=True)
    ) == {Notification.Resolution.WITHDRAWN}
    with pytest.raises(ValidationError, match="already withdrawn"):
        run(status_request_approve, status_request=request, actor=cast.admin)
    assert refreshed(member).status == MemberStatus.FORMER
    assert not mails_to(cast.contact.email)  # a withdrawal tells no one


def test_only_an_admin_of_the_location_decides(approval, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)
    with pytest.raises(PermissionDenied):
        run(status_request_approve, status_request=request, actor=cast.mill_admin)
    with pytest.raises(PermissionDenied):
        run(status_request_reject, status_request=request, actor=cast.mill_admin, reason="no")
    assert refreshed(member).status == MemberStatus.CONTACT and refreshed(request).is_open


# -- approval off: today's behaviour -----------------------------------------------------


def test_with_approval_off_an_addition_is_invited_and_let_in_at_once(team, run, kisi, papercut):
    cast = team.cast
    connect(cast.org, kisi)
    connect(cast.org, papercut)
    member = add_nina(run, team)
    member = refreshed(member)
    assert member.status == MemberStatus.ACTIVE and member.portal_access == PortalAccess.PENDING
    assert last_link(NINA)
    assert kisi.has_access(NINA) and papercut.can_print(NINA)
    assert not StatusRequest.objects.exists()
    notice = Notification.objects.filter(kind=Notification.Kind.MEMBER_ADDED).first()
    assert notice is not None and "added Nina Novak as Active" in notice.message

    former = f.MemberFactory(location=cast.harbour, company=cast.acme, status="former")
    change = run(team_change_status, actor=cast.contact.user, member=former, status="active")
    assert change.to_status == MemberStatus.ACTIVE
    assert refreshed(former).status == MemberStatus.ACTIVE


# -- the email's one-click links --------------------------------------------------------


def test_the_emailed_approve_link_works_for_an_admin_of_the_location(approval, client, run):
    cast = approval.cast
    member = add_nina(run, approval)
    links = email_links(cast.admin.email)

    # Not logged in: the login page, then back here.
    response = client.get(links["approve"])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(cast.admin)
    page = client.get(links["approve"])
    assert page.status_code == 200
    assert "Approve Nina Novak" in page.content.decode()
    assert refreshed(member).status == MemberStatus.CONTACT  # a GET decides nothing
    token = links["approve"].split("token=")[1]
    response = run(client.post, links["approve"].split("?")[0], {"token": token})
    assert response.status_code == 302
    assert refreshed(member).status == MemberStatus.ACTIVE
    assert last_link(NINA)


def test_the_emailed_reject_link_asks_why_then_rejects(approval, client, run):
    cast = approval.cast
    member = add_nina(run, approval)
    links = email_links(cast.owner.email)
    client.force_login(cast.owner)
    url, token = links["reject"].split("?token=")
    response = run(client.post, url, {"token": token, "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert refreshed(member).status == MemberStatus.CONTACT
    response = run(client.post, url, {"token": token, "reason": "Not ours"})
    assert response.status_code == 302
    request = StatusRequest.objects.get(member=member)
    assert request.decision == StatusRequest.Decision.REJECTED and request.decided_by == cast.owner


def test_the_links_are_refused_to_admins_without_that_location(approval, client, run):
    cast = approval.cast
    member = add_nina(run, approval)
    links = email_links(cast.admin.email)
    for user in (cast.mill_admin, cast.other_admin, cast.contact.user):
        client.force_login(user)
        for decision, link in links.items():
            url, token = link.split("?token=")
            assert client.get(link).status_code == 404, (user, decision)
            response = run(client.post, url, {"token": token, "reason": "x"})
            assert response.status_code == 404, (user, decision)
    assert refreshed(member).status == MemberStatus.CONTACT
    assert StatusRequest.objects.get(member=member).is_open


def test_forged_links_and_ids_are_404(approval, client, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)
    links = email_links(cast.admin.email)
    client.force_login(cast.admin)
    approve_url, approve_token = links["approve"].split("?token=")
    reject_url, reject_token = links["reject"].split("?token=")
    # A Reject token does not approve; a token of another request does not either.
    assert client.post(approve_url, {"token": reject_token}).status_code == 404
    other_member = f.MemberFactory(location=cast.harbour, company=cast.acme, status="contact")
    other = run(team_change_status, actor=cast.contact.user, member=other_member, status="active")
    other_url = reverse("adminportal:approval_decide", args=[cast.org.slug, other.pk, "approve"])
    assert client.post(other_url, {"token": approve_token}).status_code == 404
    assert client.get(f"{approve_url}?token=forged").status_code == 404
    # Another organization's request, under either slug; unknown ids and decisions.
    foreign_member = f.MemberFactory(location=cast.other_location, status="contact")
    foreign = StatusRequest.objects.create(
        organization=cast.other_org,
        member=foreign_member,
        kind="status",
        from_status="contact",
        to_status="active",
    )
    for slug in (cast.org.slug, cast.other_org.slug):
        url = reverse("adminportal:approval_decide", args=[slug, foreign.pk, "approve"])
        assert client.post(url).status_code == 404
    missing = reverse("adminportal:approval_decide", args=[cast.org.slug, 999999, "approve"])
    assert client.get(missing).status_code == 404
    odd = reverse("adminportal:approval_decide", args=[cast.org.slug, request.pk, "delete"])
    assert client.post(odd).status_code == 404
    assert refreshed(member).status == MemberStatus.CONTACT and refreshed(
        foreign_member
    ).status == (MemberStatus.CONTACT)
    assert request.pk and refreshed(request).is_open


# -- the pages --------------------------------------------------------------------------


def _ask(cast, count):
    for i in range(count):
        member = f.MemberFactory(
            location=cast.harbour, company=cast.acme, status="contact", first_name=f"Q{i:03}"
        )
        team_change_status(actor=cast.contact.user, member=member, status="active")


@pytest.mark.parametrize("count", [2, 30])
def test_the_queue_shows_what_awaits_in_constant_queries(
    approval, client, count, django_assert_max_num_queries
):
    cast = approval.cast
    _ask(cast, count)
    mill_member = f.MemberFactory(location=cast.mill, status="contact", first_name="Milly")
    StatusRequest.objects.create(
        organization=cast.org,
        member=mill_member,
        kind="status",
        from_status="contact",
        to_status="active",
    )
    client.force_login(cast.admin)
    url = reverse("adminportal:approvals", args=[cast.org.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    html = response.content.decode()
    assert html.count('id="approval-') == count
    assert "Q000" in html and "Milly" not in html
    client.force_login(cast.mill_admin)
    html = client.get(url).content.decode()
    assert "Milly" in html and "Q000" not in html


def test_the_queue_approves_in_one_click(approval, client, run):
    cast = approval.cast
    member = add_nina(run, approval)
    request = StatusRequest.objects.get(member=member)
    client.force_login(cast.admin)
    url = reverse("adminportal:approval_decide", args=[cast.org.slug, request.pk, "approve"])
    response = run(client.post, url)
    assert response.status_code == 302
    assert refreshed(member).status == MemberStatus.ACTIVE
    assert "Approved: Nina Novak is now Active" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("count", [2, 30])
def test_my_team_shows_who_awaits_approval_in_constant_queries(
    approval, client, count, django_assert_max_num_queries
):
    cast = approval.cast
    _ask(cast, count)
    client.force_login(cast.contact.user)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("portal:team", args=[cast.org.slug]))
    assert response.content.decode().count("Awaiting approval") == min(count, 50)


def test_my_team_says_what_happens_after_an_addition_under_approval(approval, client, run):
    cast = approval.cast
    client.force_login(cast.contact.user)
    response = run(
        client.post,
        reverse("portal:team_add", args=[cast.org.slug]),
        {"first_name": "Nina", "last_name": "Novak", "email": NINA, "status": "active"},
        follow=True,
    )
    html = response.content.decode()
    assert "awaiting an admin" in html and "No invitation goes out until then" in html
    member = Member.objects.get(email=NINA)
    row = client.post(
        reverse("portal:team_member_status", args=[cast.org.slug, member.pk]),
        {"status": "active"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "already awaiting" in row and "Awaiting approval" in row


def test_the_setting_is_on_the_settings_page_and_recorded(cast, client):
    client.force_login(cast.owner)
    url = reverse("adminportal:settings", args=[cast.org.slug])
    assert "need an admin" in client.get(url).content.decode()
    response = client.post(
        url, {"contact_additions_need_approval": "on", "members_see_email": "on"}
    )
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.contact_additions_need_approval
    entry = AuditEntry.objects.get(verb=Verb.ORGANIZATION_SETTINGS_CHANGED)
    assert entry.after["contact_additions_need_approval"] is True


def test_an_erased_account_leaves_no_words_about_it_in_requests(approval, run):
    from members.actions.personal_data import account_delete

    cast = approval.cast
    Member.objects.filter(pk=cast.teammate.pk).update(status=MemberStatus.FORMER)
    request = run(
        team_change_status,
        actor=cast.contact.user,
        member=refreshed(cast.teammate),
        status="active",
        reason="Tess is back from Lisbon",
    )
    run(status_request_reject, status_request=request, actor=cast.admin, reason="Tess owes rent")
    run(account_delete, user=cast.teammate.user)
    request.refresh_from_db()
    assert request.reason == "" and request.decision_reason == ""
