"""Support staff edit and delete members in Django admin (R1.3); the
connected systems and team grants must still hear of it (R2.5, R3.2)."""

import pytest
from django.urls import reverse

from companies.models import MANAGE_TEAM
from integrations.models import OutboxEvent
from integrations.outbox import MemberEvent
from members.actions.records import member_edited
from members.models import Member
from organizations.services import organization_update_settings
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client):
    client.force_login(f.StaffFactory())
    return client


def _change_form_data(member, **overrides):
    data = {
        "organization": member.organization_id,
        "location": member.location_id,
        "company": member.company_id or "",
        "user": member.user_id or "",
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "phone": member.phone,
        "portal_access": member.portal_access,
        "status_changes-TOTAL_FORMS": 0,
        "status_changes-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_email_fixed_in_django_admin_reaches_the_integrations(support, cast):
    member = cast.teammate
    url = reverse("admin:members_member_change", args=[member.pk])
    response = support.post(url, _change_form_data(member, email="tess.new@example.test"))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = OutboxEvent.objects.filter(member_ref=member.pk).latest("pk")
    assert event.event == MemberEvent.UPDATED
    assert event.payload["email"] == "tess.new@example.test"


def test_moving_a_manager_to_another_company_in_django_admin_moves_the_grant(support, cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    manager = f.PortalMemberFactory(location=cast.harbour, company=cast.acme, is_manager=True)
    member_edited(member=manager)
    user = manager.user
    assert user.has_perm(MANAGE_TEAM, cast.acme)
    url = reverse("admin:members_member_change", args=[manager.pk])
    data = _change_form_data(manager, company=cast.globex.pk, is_manager="on")
    assert support.post(url, data).status_code == 302
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm(MANAGE_TEAM, cast.acme)
    assert user.has_perm(MANAGE_TEAM, cast.globex)


def test_a_contact_person_cannot_be_moved_out_of_their_company_in_django_admin(support, cast):
    url = reverse("admin:members_member_change", args=[cast.contact.pk])
    response = support.post(url, _change_form_data(cast.contact, company=cast.globex.pk))
    assert response.status_code == 200
    assert "is the contact or billing person of Acme" in response.content.decode()
    cast.contact.refresh_from_db()
    assert cast.contact.company == cast.acme


def test_deleting_in_django_admin_tells_the_integrations_and_revokes_the_grant(support, cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    user = cast.billing.user
    assert user.has_perm(MANAGE_TEAM, cast.acme)
    member_id, email = cast.billing.pk, cast.billing.email
    url = reverse("admin:members_member_delete", args=[member_id])
    assert support.post(url, {"post": "yes"}).status_code == 302
    assert not Member.objects.filter(pk=member_id).exists()
    event = OutboxEvent.objects.filter(member_ref=member_id).latest("pk")
    assert event.event == MemberEvent.REMOVED and event.payload["email"] == email
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm(MANAGE_TEAM, cast.acme)
