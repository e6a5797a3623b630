"""Every action writes its audit entry, in the transaction of its change
(issue 11, item 4).

The public functions of the actions modules are found by walking them;
each must be in ``ACTIONS`` (how to call it, and the entry it must write) or
in ``NOT_ACTIONS`` (with the reason it changes nothing worth a row). A new
public function in those modules fails ``test_every_action_is_listed``
until someone says which it is.

Each action is then called twice: once normally, where the entry must be
there with the right verb, actor, door and organization; once with the
audit log refusing to write, where the action must fail and leave the
database exactly as it was: the change and its entry commit together or
not at all.
"""

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

import members.actions
from audit import log
from audit.models import AuditEntry, Verb, Via
from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.services import connection_save
from members.invitation_emails import hash_token
from members.models import Invitation, JoinRequest, Member, MemberStatus, PortalAccess
from notifications.models import Notification
from organizations.logo_files import prepare_logo
from organizations.permissions import MANAGE_CUSTOMERS
from tests import factories as f
from tests.branding_helpers import logo_upload

MODULES = [
    *(f"members.actions.{m.name}" for m in pkgutil.iter_modules(members.actions.__path__)),
    "companies.actions",
    "organizations.services",
    "notifications.actions",
    "integrations.services",
]

#: Public functions of those modules that are not actions, and why.
NOT_ACTIONS = {
    "members.actions.access.members_whose_membership_ended": "a query",
    "members.actions.invitations.ensure_user": (
        "the bare login an invitation needs; the invitation's entry records the invitation"
    ),
    "members.actions.invitations.ensure_users": "ensure_user for a mass invite",
    "members.actions.invitations.invitation_for_token": "a query",
    "members.actions.invitations.invited_admin_role": "a query",
    "members.actions.invitations.link_login": "a query",
    "members.actions.invitations.may_link_other_login": "a question",
    "members.actions.invitations.members_logged_in": (
        "ends the 'New' label at a login: a fact about the login, which allauth records"
    ),
    "members.actions.invitations.resend_note": "words for a message",
    "members.actions.admins.grants_json": "how an entry keeps grants",
    "members.actions.mass_invite.check_paste_length": "a check",
    "members.actions.mass_invite.errors_csv": "a download",
    "members.actions.mass_invite.id_lookups": "a query",
    "members.actions.mass_invite.parse_rows": "reads a paste",
    "members.actions.mass_invite.paste_fingerprint": "a hash",
    "notifications.actions.notifications_mark_read": (
        "a reader's own unread marker, not a change to the organization's data"
    ),
    "integrations.services.allow_private_hosts": "a setting",
    "integrations.services.partial_enqueue_due": "builds an on-commit callback",
    "integrations.services.outbox_fan_out": "the pipeline: creates the Delivery rows",
    "integrations.services.outbox_fan_out_many": "the pipeline: creates the Delivery rows",
    "integrations.services.register_outbox_kind": "registers the outbox kind at start-up",
}


@dataclass
class Expect:
    verb: str
    via: str
    #: An attribute of the cast; "linked login": the login the action linked
    #: to the member (the person acted); None: the system.
    actor: str | None


def _pdf():
    return SimpleUploadedFile(
        "id.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def _pending(c, email="pending@example.test"):
    member = f.MemberFactory(location=c.harbour, email=email)
    Member = type(member)
    Member.objects.filter(pk=member.pk).update(portal_access=PortalAccess.PENDING)
    member.refresh_from_db()
    return member


def _token(c):
    member = _pending(c)
    Invitation.objects.create(
        organization=c.org,
        member=member,
        token_hash=hash_token("the-token"),
        expires_at=timezone.now() + timedelta(hours=1),
        sent_at=timezone.now(),
    )
    return "the-token"


def _status_notice(c):
    change = f.StatusChangeFactory(
        member=c.teammate,
        from_status=MemberStatus.ACTIVE,
        to_status=MemberStatus.CONTACT,
        actor=c.contact.user,
        via=Via.PORTAL,
    )
    type(c.teammate).objects.filter(pk=c.teammate.pk).update(status=MemberStatus.CONTACT)
    return Notification.objects.create(
        organization=c.org,
        location=c.harbour,
        recipient=c.admin,
        kind=Notification.Kind.STATUS_CHANGED,
        message="changed",
        member=c.teammate,
        status_change=change,
    )


def _connection(c):
    return connection_save(
        organization=c.org,
        kind="webhook",
        name="Hook",
        base_url="https://hooks.example.test/in",
        credentials={"secret": "s" * 32},
    )


def _dead_delivery(c):
    connection = _connection(c)
    event = OutboxEvent.objects.create(
        organization=c.org,
        member=c.teammate,
        member_ref=c.teammate.pk,
        event="member.updated",
        sequence=99,
    )
    return Delivery.objects.create(
        organization=c.org,
        event=event,
        connection=connection,
        member=c.teammate,
        member_ref=c.teammate.pk,
        status=DeliveryStatus.DEAD,
    )


def _join_request(c):
    return JoinRequest.objects.create(
        organization=c.org, location=c.harbour, first_name="Jo", email="jo@example.test"
    )


def _attachment(c):
    from members.actions.personal_data import attachment_add

    return attachment_add(member=c.teammate, actor=c.admin, upload=_pdf())


#: "module.function": (prepare(cast) -> kwargs, expected entry).
ACTIONS = {
    "members.actions.status.member_change_status": (
        lambda c: {
            "member": c.teammate,
            "status": MemberStatus.CONTACT,
            "actor": c.admin,
            "via": Via.ADMIN,
        },
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.bulk.members_change_status": (
        lambda c: {
            "members": [c.teammate],
            "status": MemberStatus.CONTACT,
            "actor": c.admin,
            "via": Via.ADMIN,
        },
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.bulk.members_invite": (
        lambda c: {"members": [f.MemberFactory(location=c.harbour)], "actor": c.admin},
        Expect(Verb.INVITATION_SENT, Via.ADMIN, "admin"),
    ),
    "members.actions.exports.directory_export_record": (
        lambda c: {
            "organization": c.org,
            "actor": c.admin,
            "tab": "members",
            "filters": {"q": "acme"},
            "rows": 3,
        },
        Expect(Verb.EXPORT_CREATED, Via.ADMIN, "admin"),
    ),
    "members.actions.records.member_create": (
        lambda c: {
            "organization": c.org,
            "location": c.harbour,
            "first_name": "New",
            "actor": c.admin,
        },
        Expect(Verb.MEMBER_CREATED, Via.ADMIN, "admin"),
    ),
    "members.actions.records.member_link_user": (
        lambda c: {"member": _pending(c), "user": f.UserFactory()},
        Expect(Verb.MEMBER_LOGIN_LINKED, Via.PORTAL, "linked login"),
    ),
    "members.actions.records.member_edited": (
        lambda c: {"member": c.teammate, "actor": c.admin},
        Expect(Verb.MEMBER_UPDATED, Via.SUPPORT, "admin"),
    ),
    "members.actions.records.member_delete": (
        lambda c: {"member": c.teammate, "actor": c.admin},
        Expect(Verb.MEMBER_REMOVED, Via.SUPPORT, "admin"),
    ),
    "members.actions.access.member_deactivate_access": (
        lambda c: {"member": c.teammate, "actor": c.admin},
        Expect(Verb.MEMBER_PORTAL_ACCESS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.access.member_activate_access": (
        lambda c: {
            "member": _deactivated(c.teammate),
            "actor": c.admin,
        },
        Expect(Verb.MEMBER_PORTAL_ACCESS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.access.member_remove_from_location": (
        lambda c: {"member": c.teammate, "actor": c.admin},
        Expect(Verb.MEMBER_LEFT_LOCATION, Via.ADMIN, "admin"),
    ),
    "members.actions.access.member_transfer": (
        lambda c: {"member": c.teammate, "to_location": c.mill, "actor": c.admin},
        Expect(Verb.MEMBER_TRANSFERRED, Via.ADMIN, "admin"),
    ),
    "members.actions.access.members_auto_former": (
        lambda c: _membership_ended(c) or {},
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.SYSTEM, None),
    ),
    "members.actions.invitations.member_invite": (
        lambda c: {"member": f.MemberFactory(location=c.harbour), "actor": c.admin},
        Expect(Verb.INVITATION_SENT, Via.ADMIN, "admin"),
    ),
    "members.actions.invitations.invitation_resend": (
        lambda c: {"member": _pending(c), "actor": c.admin},
        Expect(Verb.INVITATION_RESENT, Via.ADMIN, "admin"),
    ),
    "members.actions.invitations.member_invite_new": (
        lambda c: {
            "organization": c.org,
            "location": c.harbour,
            "first_name": "Nora",
            "email": "nora@example.test",
            "actor": c.admin,
        },
        Expect(Verb.INVITATION_SENT, Via.ADMIN, "admin"),
    ),
    "members.actions.invitations.invitation_accept": (
        lambda c: {"token": _token(c)},
        Expect(Verb.INVITATION_ACCEPTED, Via.PORTAL, "linked login"),
    ),
    "members.actions.invitations.invitation_accept_by_login": (
        lambda c: _accept_by_login(c),
        Expect(Verb.INVITATION_ACCEPTED, Via.PORTAL, "linked login"),
    ),
    "members.actions.join_requests.join_request_submit": (
        lambda c: {"location": c.harbour, "first_name": "Jo", "email": "jo@example.test"},
        Expect(Verb.JOIN_REQUEST_SUBMITTED, Via.PUBLIC, None),
    ),
    "members.actions.join_requests.join_request_approve": (
        lambda c: {"join_request": _join_request(c), "actor": c.admin},
        Expect(Verb.JOIN_REQUEST_APPROVED, Via.ADMIN, "admin"),
    ),
    "members.actions.join_requests.join_request_reject": (
        lambda c: {"join_request": _join_request(c), "actor": c.admin},
        Expect(Verb.JOIN_REQUEST_REJECTED, Via.ADMIN, "admin"),
    ),
    "members.actions.mass_invite.mass_invite": (
        lambda c: {"organization": c.org, "actor": c.admin, "rows": _rows(c)},
        Expect(Verb.MEMBER_CREATED, Via.ADMIN, "admin"),
    ),
    "members.actions.personal_data.member_update_details": (
        lambda c: {"member": f.MemberFactory(location=c.harbour), "actor": c.admin, "phone": "1"},
        Expect(Verb.MEMBER_UPDATED, Via.ADMIN, "admin"),
    ),
    "members.actions.personal_data.profile_update": (
        lambda c: {"user": c.teammate.user, "first_name": "Tessa"},
        Expect(Verb.MEMBER_UPDATED, Via.PORTAL, "teammate.user"),
    ),
    "members.actions.personal_data.privacy_update": (
        lambda c: {"member": c.teammate, "show_email": False, "show_phone": None},
        Expect(Verb.MEMBER_PRIVACY_CHANGED, Via.PORTAL, "teammate.user"),
    ),
    "members.actions.personal_data.language_update": (
        lambda c: {"member": c.teammate, "language": "de"},
        Expect(Verb.LANGUAGE_CHANGED, Via.PORTAL, "teammate.user"),
    ),
    "members.actions.personal_data.attachment_add": (
        lambda c: {"member": c.teammate, "actor": c.admin, "upload": _pdf()},
        Expect(Verb.ATTACHMENT_ADDED, Via.ADMIN, "admin"),
    ),
    "members.actions.personal_data.attachment_delete": (
        lambda c: {"attachment": _attachment(c), "actor": c.admin},
        Expect(Verb.ATTACHMENT_DELETED, Via.ADMIN, "admin"),
    ),
    "members.actions.personal_data.account_delete": (
        lambda c: {"user": c.teammate.user},
        Expect(Verb.MEMBER_ERASED, Via.PORTAL, None),
    ),
    "members.actions.roles.company_set_roles": (
        lambda c: {
            "company": c.acme,
            "contact_person": c.teammate,
            "billing_person": c.billing,
            "actor": c.admin,
        },
        Expect(Verb.COMPANY_ROLE_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.roles.company_set_manager": (
        lambda c: {"company": c.acme, "member": c.teammate, "is_manager": True, "actor": c.admin},
        Expect(Verb.COMPANY_ROLE_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.roles.company_update_roles": (
        lambda c: {
            "company": c.acme,
            "contact_person": c.contact,
            "billing_person": c.billing,
            "managers": [c.teammate],
            "actor": c.admin,
        },
        Expect(Verb.COMPANY_ROLE_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.approvals.status_request_open": (
        lambda c: {
            "member": f.MemberFactory(location=c.harbour, company=c.acme, status="contact"),
            "to_status": MemberStatus.ACTIVE,
            "actor": c.contact.user,
            "kind": "status",
        },
        Expect(Verb.APPROVAL_REQUESTED, Via.PORTAL, "contact.user"),
    ),
    "members.actions.approvals.status_request_approve": (
        lambda c: {"status_request": _status_request(c), "actor": c.admin},
        Expect(Verb.APPROVAL_APPROVED, Via.ADMIN, "admin"),
    ),
    "members.actions.approvals.status_request_reject": (
        lambda c: {"status_request": _status_request(c), "actor": c.admin, "reason": "No desk"},
        Expect(Verb.APPROVAL_REJECTED, Via.ADMIN, "admin"),
    ),
    "members.actions.team.team_add_member": (
        lambda c: (
            _team_on(c)
            or {
                "actor": c.contact.user,
                "company": c.acme,
                "first_name": "Ned",
                "status": "contact",
            }
        ),
        Expect(Verb.TEAM_MEMBER_ADDED, Via.PORTAL, "contact.user"),
    ),
    "members.actions.team.team_change_status": (
        lambda c: (
            _team_on(c)
            or {"actor": c.contact.user, "member": c.teammate, "status": MemberStatus.CONTACT}
        ),
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.PORTAL, "contact.user"),
    ),
    "members.actions.team.team_invite_member": (
        lambda c: (
            _team_on(c)
            or {
                "actor": c.contact.user,
                "member": f.MemberFactory(location=c.harbour, company=c.acme),
            }
        ),
        Expect(Verb.INVITATION_SENT, Via.PORTAL, "contact.user"),
    ),
    "members.actions.admins.admin_invite": (
        lambda c: {
            "organization": c.org,
            "actor": c.owner,
            "location": c.harbour,
            "first_name": "Ada",
            "email": "ada@example.test",
            "grants": {(MANAGE_CUSTOMERS, c.mill.pk)},
        },
        Expect(Verb.ADMIN_PERMISSIONS_CHANGED, Via.ADMIN, "owner"),
    ),
    "members.actions.admins.admin_set_permissions": (
        lambda c: {
            "role": _role(c.mill_admin),
            "actor": c.owner,
            "locations": [c.harbour, c.mill],
            "grants": {(MANAGE_CUSTOMERS, c.harbour.pk)},
        },
        Expect(Verb.ADMIN_PERMISSIONS_CHANGED, Via.ADMIN, "owner"),
    ),
    "members.actions.admins.admin_suspend": (
        lambda c: {"role": _role(c.mill_admin), "actor": c.owner},
        Expect(Verb.ADMIN_SUSPENDED, Via.ADMIN, "owner"),
    ),
    "members.actions.admins.admin_restore": (
        lambda c: {"role": _role(c.mill_admin, suspended=True), "actor": c.owner},
        Expect(Verb.ADMIN_PERMISSIONS_CHANGED, Via.ADMIN, "owner"),
    ),
    "members.actions.admins.admin_remove": (
        lambda c: {"role": _role(c.mill_admin), "actor": c.owner},
        Expect(Verb.ADMIN_REMOVED, Via.ADMIN, "owner"),
    ),
    "companies.actions.company_create": (
        lambda c: {
            "organization": c.org,
            "location": c.harbour,
            "name": "Initech",
            "actor": c.admin,
        },
        Expect(Verb.COMPANY_CREATED, Via.ADMIN, "admin"),
    ),
    "companies.actions.company_set_seats": (
        lambda c: {"company": c.acme, "location": c.harbour, "seats": 5, "actor": c.admin},
        Expect(Verb.COMPANY_SEATS_CHANGED, Via.ADMIN, "admin"),
    ),
    "companies.actions.company_update": (
        lambda c: {
            "company": c.acme,
            "actor": c.admin,
            "tax_id": "DE123",
            "locations": [c.harbour, c.mill],
        },
        Expect(Verb.COMPANY_UPDATED, Via.ADMIN, "admin"),
    ),
    "companies.actions.company_archive": (
        lambda c: {"company": f.CompanyFactory(location=c.harbour), "actor": c.admin},
        Expect(Verb.COMPANY_ARCHIVED, Via.ADMIN, "admin"),
    ),
    "companies.actions.company_restore": (
        lambda c: {
            "company": f.CompanyFactory(location=c.harbour, archived_at=timezone.now()),
            "actor": c.admin,
        },
        Expect(Verb.COMPANY_ARCHIVED, Via.ADMIN, "admin"),
    ),
    "members.actions.roles.contact_set_locations": (
        lambda c: (
            _second_place(c)
            or {"company": c.acme, "member": c.contact, "locations": [c.harbour], "actor": c.admin}
        ),
        Expect(Verb.CONTACT_LOCATIONS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.team.team_link_contact": (
        lambda c: (
            _team_on(c)
            or _second_place(c)
            or {"actor": c.contact.user, "member": c.billing, "locations": [c.harbour]}
        ),
        Expect(Verb.CONTACT_LOCATIONS_CHANGED, Via.PORTAL, "contact.user"),
    ),
    "organizations.services.organization_update_settings": (
        lambda c: {"organization": c.org, "actor": c.owner, "members_see_phone": True},
        Expect(Verb.ORGANIZATION_SETTINGS_CHANGED, Via.ADMIN, "owner"),
    ),
    "organizations.services.organization_update_brand": (
        lambda c: {
            "organization": c.org,
            "actor": c.owner,
            "name": "Northwind Coworking",
            "accent_colour": "#0b6e4f",
            "logo": prepare_logo(logo_upload()),
        },
        Expect(Verb.ORGANIZATION_BRAND_CHANGED, Via.ADMIN, "owner"),
    ),
    "notifications.actions.notification_confirm": (
        lambda c: {"notification": _status_notice(c), "actor": c.admin},
        Expect(Verb.NOTIFICATION_RESOLVED, Via.ADMIN, "admin"),
    ),
    "notifications.actions.notification_revert": (
        lambda c: {"notification": _status_notice(c), "actor": c.admin},
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.ADMIN, "admin"),
    ),
    "integrations.services.connection_save": (
        lambda c: {
            "organization": c.org,
            "kind": "webhook",
            "name": "Hook",
            "base_url": "https://hooks.example.test/in",
            "credentials": {"secret": "s" * 32},
            "actor": c.admin,
        },
        Expect(Verb.CONNECTION_CREATED, Via.ADMIN, "admin"),
    ),
    "integrations.services.delivery_retry": (
        lambda c: {"delivery": _dead_delivery(c), "actor": c.admin},
        Expect(Verb.DELIVERY_RETRIED, Via.ADMIN, "admin"),
    ),
    "integrations.services.resync_member": (
        lambda c: {"member": c.teammate, "actor": c.admin},
        Expect(Verb.MEMBER_RESYNCED, Via.ADMIN, "admin"),
    ),
    "integrations.services.resync_connection": (
        lambda c: {"connection": _connection(c), "actor": c.admin},
        Expect(Verb.CONNECTION_RESYNCED, Via.ADMIN, "admin"),
    ),
    "members.actions.locations.location_create": (
        lambda c: {"organization": c.org, "actor": c.owner, "name": "Dock"},
        Expect(Verb.LOCATION_CREATED, Via.ADMIN, "owner"),
    ),
    "members.actions.locations.location_update": (
        lambda c: {"location": c.harbour, "actor": c.admin, "door_group": "7"},
        Expect(Verb.LOCATION_UPDATED, Via.ADMIN, "admin"),
    ),
    "members.actions.locations.location_archive": (
        lambda c: {"location": f.LocationFactory(organization=c.org), "actor": c.owner},
        Expect(Verb.LOCATION_ARCHIVED, Via.ADMIN, "owner"),
    ),
    "members.actions.plans.plan_create": (
        lambda c: {"organization": c.org, "location": c.harbour, "actor": c.admin, "name": "Desk"},
        Expect(Verb.PLAN_CREATED, Via.ADMIN, "admin"),
    ),
    "members.actions.plans.plan_update": (
        lambda c: {"plan": _plan(c), "actor": c.admin, "gives_door_access": False},
        Expect(Verb.PLAN_UPDATED, Via.ADMIN, "admin"),
    ),
    "members.actions.plans.plan_archive": (
        lambda c: {"plan": _plan(c), "actor": c.admin},
        Expect(Verb.PLAN_ARCHIVED, Via.ADMIN, "admin"),
    ),
    "members.actions.memberships.membership_create": (
        lambda c: {
            "plan": _plan(c),
            "member": c.teammate,
            "start_date": timezone.localdate(),
            "actor": c.admin,
        },
        Expect(Verb.MEMBERSHIP_CREATED, Via.ADMIN, "admin"),
    ),
    "members.actions.memberships.membership_change": (
        lambda c: {"membership": _membership(c), "actor": c.admin, "seats": 3},
        Expect(Verb.MEMBERSHIP_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.memberships.membership_end": (
        lambda c: {"membership": _membership(c, member=c.teammate), "actor": c.admin},
        Expect(Verb.MEMBERSHIP_ENDED, Via.ADMIN, "admin"),
    ),
    "members.actions.moves.move_out": (
        lambda c: {
            "company": c.acme,
            "location": c.harbour,
            "end_date": timezone.localdate(),
            "reason": "Moved",
            "actor": c.admin,
        },
        Expect(Verb.MEMBER_STATUS_CHANGED, Via.ADMIN, "admin"),
    ),
    "members.actions.moves.move_team": (
        lambda c: {
            "company": c.acme,
            "from_location": c.harbour,
            "to_location": c.mill,
            "actor": c.owner,
        },
        Expect(Verb.MEMBER_TRANSFERRED, Via.ADMIN, "owner"),
    ),
    "members.actions.moves.undo_move": (
        lambda c: {"move": _team_move(c), "actor": c.admin},
        Expect(Verb.TEAM_MOVE_UNDONE, Via.ADMIN, "admin"),
    ),
}


def _team_move(c):
    from members.actions.moves import move_out

    return move_out(
        company=c.acme, location=c.harbour, end_date=timezone.localdate(), reason="", actor=c.admin
    )


def _plan(c):
    return f.PlanFactory(organization=c.org, location=c.harbour)


def _membership(c, member=None):
    return f.MembershipFactory(
        member=member,
        company=None if member else c.acme,
        organization=c.org,
        plan=_plan(c),
    )


def _role(user, *, suspended=False):
    from organizations.models import OrganizationAdmin

    role = OrganizationAdmin.objects.get(user=user)
    if suspended:
        OrganizationAdmin.objects.filter(pk=role.pk).update(suspended_at=timezone.now())
        role.refresh_from_db()
    return role


def _deactivated(member):
    type(member).objects.filter(pk=member.pk).update(portal_access=PortalAccess.DEACTIVATED)
    member.refresh_from_db()
    return member


def _second_place(c):
    """Acme is a customer at the Old Mill too."""
    from companies.models import CompanyLocation

    CompanyLocation.objects.create(organization=c.org, company=c.acme, location=c.mill)


def _team_on(c):
    from organizations.services import organization_update_settings

    organization_update_settings(organization=c.org, actor=None, contacts_manage_team=True)


def _status_request(c):
    from members.actions.approvals import status_request_open

    contact = f.MemberFactory(location=c.harbour, company=c.acme, status=MemberStatus.CONTACT)
    return status_request_open(
        member=contact, to_status=MemberStatus.ACTIVE, actor=c.contact.user, kind="status"
    )


def _membership_ended(c):
    type(c.org).objects.filter(pk=c.org.pk).update(auto_former_on_membership_end=True)
    f.MembershipFactory(
        member=c.teammate,
        start_date=timezone.localdate() - timedelta(days=60),
        end_date=timezone.localdate() - timedelta(days=1),
    )


def _accept_by_login(c):
    member = _pending(c, email=c.other_member.user.email)
    return {"member": member, "user": c.other_member.user}


def _rows(c):
    from members.actions.mass_invite import parse_rows

    preview = parse_rows(
        "Ann\tA\tann@example.test", organization=c.org, user=c.admin, location=c.harbour
    )
    return preview.rows


def _public_functions():
    found = set()
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in inspect.getmembers(module, inspect.isfunction):
            if value.__module__ == name and not attr.startswith("_"):
                found.add(f"{name}.{attr}")
    return found


def _call(path, kwargs):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def _actor(cast, path):
    if path is None:
        return None
    value = cast
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_every_action_is_listed():
    found = _public_functions()
    assert found - set(ACTIONS) - set(NOT_ACTIONS) == set(), (
        "a new public function: list it in ACTIONS (with the entry it writes) or in NOT_ACTIONS"
    )
    assert (set(ACTIONS) | set(NOT_ACTIONS)) - found == set(), "listed but gone"


@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_the_action_writes_its_entry(path, cast, settings, django_capture_on_commit_callbacks):
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = True
    prepare, expect = ACTIONS[path]
    kwargs = prepare(cast)
    latest = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _call(path, kwargs)
    written = AuditEntry.objects.filter(pk__gt=latest, verb=expect.verb)
    assert written.exists(), f"{path} wrote no {expect.verb} entry"
    entry = written.order_by("pk").first()
    assert entry.via == expect.via
    if expect.actor == "linked login":
        assert entry.actor_id == Member.objects.get(pk=entry.member_id).user_id is not None
    else:
        assert entry.actor_id == getattr(_actor(cast, expect.actor), "pk", None)
    assert entry.organization_id == cast.org.pk


class AuditDown(Exception):
    pass


def _snapshot():
    """Every row of the project's own tables, to compare before and after."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {
            "accounts",
            "organizations",
            "companies",
            "members",
            "notifications",
            "integrations",
            "guardian",
        }:
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_no_entry_no_change(path, cast, settings, monkeypatch):
    """With the log refusing to write, the action fails and changes nothing."""
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = True
    prepare, _ = ACTIONS[path]
    kwargs = prepare(cast)
    before = _snapshot()

    def refuse(*args, **kwargs):
        raise AuditDown

    monkeypatch.setattr(log, "_write", refuse)
    with pytest.raises(AuditDown), transaction.atomic():
        _call(path, kwargs)
    assert _snapshot() == before
