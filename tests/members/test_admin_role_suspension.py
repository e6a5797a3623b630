"""A person invited as an admin loses the admin portal with their member
access: deactivated or removed, their admin role is suspended (R4.6, R4.7)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from members.actions.access import (
    member_activate_access,
    member_deactivate_access,
    member_remove_from_location,
    members_auto_former,
)
from members.models import Member, PortalAccess
from organizations.models import OrganizationAdmin
from tests import factories as f
from tests.factories import PASSWORD
from tests.invitation_helpers import admin_invite, last_link

pytestmark = pytest.mark.django_db

BOSS = "boss@example.test"


@pytest.fixture
def boss(client, cast, django_capture_on_commit_callbacks):
    """Invited as an admin of the harbour by cast.admin, link accepted, with a password."""
    admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email=BOSS,
        as_admin="on",
        admin_permissions=["organizations.manage_customers"],
        admin_locations=[cast.harbour.pk],
    )
    path, _ = last_link(BOSS)
    client.post(path)
    member = Member.objects.get(email=BOSS)
    member.user.set_password(PASSWORD)
    member.user.save()
    client.logout()
    return member


def _admin_home(cast):
    return reverse("adminportal:home", args=[cast.org.slug])


def _password_login(client, email=BOSS):
    client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return "_auth_user_id" in client.session


def _act(client, cast, member, action, actor=None):
    admin = type(client)()
    admin.force_login(actor or cast.admin)
    if action == "remove":
        url = reverse("adminportal:member_remove", args=[cast.org.slug, member.pk])
    else:
        url = reverse("adminportal:member_access", args=[cast.org.slug, member.pk, action])
    return admin.post(url, follow=True)


def test_the_invited_admin_uses_the_admin_portal(client, cast, boss):
    assert _password_login(client)
    assert client.get(_admin_home(cast)).status_code == 200


@pytest.mark.parametrize("action", ["deactivate", "remove"])
def test_deactivated_or_removed_the_admin_portal_closes_too(
    client, cast, boss, action, django_capture_on_commit_callbacks
):
    assert _password_login(client)
    with django_capture_on_commit_callbacks(execute=True):
        page = _act(client, cast, boss, action).content.decode()
    assert "Their admin portal access is suspended too." in page
    # Their session ended, and they cannot log in again...
    assert client.get(_admin_home(cast)).status_code == 302
    assert not _password_login(client)
    # ...and a session they might still hold finds no admin portal.
    client.force_login(boss.user)
    assert client.get(_admin_home(cast)).status_code == 404
    role = OrganizationAdmin.objects.get(user=boss.user, organization=cast.org)
    assert role.suspended_at is not None


def test_activating_gives_the_admin_role_back(client, cast, boss):
    _act(client, cast, boss, "deactivate")
    _act(client, cast, boss, "activate")
    boss.refresh_from_db()
    assert boss.portal_access == PortalAccess.ACTIVE
    assert _password_login(client)
    assert client.get(_admin_home(cast)).status_code == 200


def test_an_admin_cannot_shut_out_someone_who_holds_more_than_they_do(client, cast):
    # The owner also has a member record at the harbour.
    owner_member = f.MemberFactory(location=cast.harbour, email=cast.owner.email, user=cast.owner)
    owner_member.portal_access = PortalAccess.ACTIVE
    owner_member.save()
    response = _act(client, cast, owner_member, "deactivate")
    assert "only an owner can change their access" in response.content.decode()
    response = _act(client, cast, owner_member, "remove")
    assert "only an owner can change their access" in response.content.decode()
    owner_member.refresh_from_db()
    assert owner_member.portal_access == PortalAccess.ACTIVE
    role = OrganizationAdmin.objects.get(user=cast.owner, organization=cast.org)
    assert role.suspended_at is None


def test_nobody_deactivates_themselves(client, cast):
    mine = f.MemberFactory(location=cast.harbour, email=cast.admin.email, user=cast.admin)
    mine.portal_access = PortalAccess.ACTIVE
    mine.save()
    response = _act(client, cast, mine, "deactivate")
    assert "another admin must deactivate or remove you" in response.content.decode()
    assert OrganizationAdmin.objects.get(user=cast.admin).suspended_at is None


def test_an_owner_may_deactivate_an_admin(client, cast, boss):
    member_deactivate_access(member=boss, actor=cast.owner)
    assert not _password_login(client)
    member_activate_access(member=boss, actor=cast.owner)
    assert _password_login(client)


def test_a_pending_admin_invitation_deactivated_lets_nobody_in(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email="late@example.test",
        as_admin="on",
        admin_permissions=["organizations.manage_customers"],
        admin_locations=[cast.harbour.pk],
    )
    member = Member.objects.get(email="late@example.test")
    member_deactivate_access(member=member, actor=cast.admin)
    user = OrganizationAdmin.objects.get(user__email="late@example.test").user
    user.set_password(PASSWORD)
    user.save()
    assert not _password_login(client, "late@example.test")


def test_the_automatic_former_leaves_an_admin_role_alone(cast, boss):
    plan = f.PlanFactory(organization=cast.org, location=cast.harbour)
    f.MembershipFactory(member=boss, plan=plan, start_date="2020-01-01", end_date="2020-12-31")
    cast.org.auto_former_on_membership_end = True
    cast.org.save()
    assert members_auto_former() == 1
    boss.refresh_from_db()
    assert boss.status == "former" and boss.portal_access == PortalAccess.NONE
    assert OrganizationAdmin.objects.get(user=boss.user, organization=cast.org).suspended_at is None


def test_removed_by_an_admin_the_role_stays_suspended_until_support_lifts_it(cast, boss):
    member_remove_from_location(member=boss, actor=cast.admin)
    role = OrganizationAdmin.objects.get(user=boss.user, organization=cast.org)
    assert role.suspended_at is not None


@pytest.mark.parametrize("action", ["deactivate", "remove"])
def test_a_record_that_merely_carries_an_admins_email_does_not_suspend_them(client, cast, action):
    """No login linked, not the record the role was invited with: it is
    not that admin (cast.admin, who has no member record), whatever address
    it carries."""
    impostor = Member.objects.create(
        organization=cast.org,
        location=cast.harbour,
        first_name="Not",
        last_name="Admin",
        email=cast.admin.email.upper(),
        portal_access=PortalAccess.PENDING,
    )
    page = _act(client, cast, impostor, action, actor=cast.owner).content.decode()
    assert "admin portal access is suspended" not in page
    assert OrganizationAdmin.objects.get(user=cast.admin).suspended_at is None
    client.force_login(cast.admin)
    assert client.get(_admin_home(cast)).status_code == 200


def _migrate(targets=None):
    """To ``targets`` (by default the latest of every app); returns that state's apps."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_suspends_roles_of_records_shut_before_suspension_existed(cast):
    """organizations 0005, run on rows as they stood before it. The status
    history was then a table of its own (members 0009 moved it into the
    audit log), so the rows are written with the models of that time."""
    apps = _migrate(
        [
            ("organizations", "0004_organizationadmin_invited_member"),
            ("members", "0007_invitation_next_attempt_at"),
            # Logins as they were too: a later column (language) has no
            # default in the database, and this state's model does not know it.
            ("accounts", "0004_proven_addresses"),
        ]
    )
    try:
        Role = apps.get_model("organizations", "OrganizationAdmin")
        Record = apps.get_model("members", "Member")
        Change = apps.get_model("members", "StatusChange")
        Login = apps.get_model("accounts", "User")
        org, harbour = cast.org.pk, cast.harbour.pk
        roles = {}
        # Three admins with linked member records: deactivated, removed by an
        # admin, and set Former by the automatic task (which leaves the role alone).
        for name, status, access, via in (
            ("deactivated", "active", "deactivated", None),
            ("removed", "former", "none", "admin"),
            ("auto", "former", "none", "system"),
        ):
            user = Login.objects.create(email=f"{name}@example.test")
            roles[name] = Role.objects.create(organization_id=org, user=user)
            record = Record.objects.create(
                organization_id=org,
                location_id=harbour,
                first_name=name,
                email=user.email,
                user=user,
                status=status,
                portal_access=access,
            )
            if via:
                Change.objects.create(
                    organization_id=org,
                    member=record,
                    from_status="active",
                    to_status="former",
                    via=via,
                )
        # A record that only carries an admin's address changes nothing.
        Record.objects.create(
            organization_id=org,
            location_id=harbour,
            first_name="Not",
            email=cast.admin.email,
            portal_access="deactivated",
        )
    finally:
        apps = _migrate()
    suspended = set(
        apps.get_model("organizations", "OrganizationAdmin")
        .objects.filter(suspended_at__isnull=False)
        .values_list("pk", flat=True)
    )
    assert suspended == {roles["deactivated"].pk, roles["removed"].pk}
    # On the way, the history went into the log (members 0009).
    entries = apps.get_model("audit", "AuditEntry").objects.filter(verb="member.status_changed")
    assert sorted(entries.values_list("via", flat=True)) == ["admin", "system"]
