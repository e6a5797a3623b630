"""The admins page (R1.2, issue 13 item 4): who sees it, who may invite and
change admins, and that nobody grants what they do not hold.

The cast (tests/conftest.py): owner; admin (Harbour: customers, settings);
mill_admin (Old Mill: customers); contact and teammate (members of Acme);
other_admin (owner of another organization). ``people`` (conftest here):
manager (Harbour: customers, settings, admins), narrow (Harbour: customers,
admins; no settings), second_owner.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from guardian.shortcuts import assign_perm

from audit.models import AuditEntry, Verb
from members.actions.admins import admin_remove, admin_set_permissions, admin_suspend
from members.models import Invitation, Member, PortalAccess
from organizations.models import LocationUserObjectPermission, OrganizationAdmin
from organizations.permissions import (
    MANAGE_ADMINS,
    MANAGE_CUSTOMERS,
    MANAGE_SETTINGS,
    admin_role,
    role_grants,
)
from tests import factories as f


def _url(cast, name, *args):
    return reverse(f"adminportal:{name}", args=[cast.org.slug, *args])


def _actor(cast, people, name):
    if name == "anonymous":
        return None
    if name in ("contact", "teammate"):
        return getattr(cast, name).user
    return getattr(cast, name, None) or getattr(people, name)


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _role(user):
    return OrganizationAdmin.objects.get(user=user)


def _grants_of(user):
    return role_grants(_role(user))


# ------------------------------------------------------------------ pages

#: Who gets which answer: every admin reads the list; the pages that change
#: admins need "manage admins" (403 otherwise); anyone who is not an admin
#: here gets a 404 (R1.1), and nobody logged out gets in.
PAGE_MATRIX = {
    "owner": (200, 200),
    "second_owner": (200, 200),
    "manager": (200, 200),
    "narrow": (200, 200),
    "admin": (200, 403),
    "mill_admin": (200, 403),
    "contact": (404, 404),
    "teammate": (404, 404),
    "other_admin": (404, 404),
    "anonymous": (302, 302),
}


@pytest.mark.parametrize("who", sorted(PAGE_MATRIX))
def test_who_sees_the_admins_pages(client, cast, people, who):
    listing, managing = PAGE_MATRIX[who]
    client = _as(client, _actor(cast, people, who))
    assert client.get(_url(cast, "admins")).status_code == listing
    assert client.get(_url(cast, "admin_invite")).status_code == managing
    assert client.get(_url(cast, "admin", _role(cast.mill_admin).pk)).status_code == managing


def test_the_list_shows_each_admin_with_their_permissions_per_location(client, cast, people):
    client.force_login(cast.admin)
    page = client.get(_url(cast, "admins")).content.decode()
    assert cast.mill_admin.email in page and people.narrow.email in page
    assert "Old Mill:</strong> Manage customers" in page
    assert "Harbour:</strong> Manage customers, Manage settings, Manage admins" in page
    assert "Everything, at every location" in page  # the owners
    # Without "manage admins" it says so and offers nothing to change.
    assert "Invite an admin" not in page
    assert _url(cast, "admin", _role(cast.mill_admin).pk) not in page
    assert cast.other_admin.email not in page


def test_the_nav_leads_to_the_admins_page(client, cast):
    client.force_login(cast.mill_admin)
    page = client.get(_url(cast, "home")).content.decode()
    assert f'href="{_url(cast, "admins")}"' in page


# ---------------------------------------------------------------- changing


def _post_grants(client, cast, target, grants, **extra):
    """The detail form, as posted: ``grants`` {location: [perms]}."""
    data = {f"location_{location.pk}": perms for location, perms in grants.items()}
    data.update(extra)
    return client.post(_url(cast, "admin", _role(target).pk), data)


def test_an_owner_changes_permissions_at_every_location(client, cast, people):
    client.force_login(cast.owner)
    response = _post_grants(
        client,
        cast,
        cast.mill_admin,
        {cast.harbour: [MANAGE_CUSTOMERS, MANAGE_ADMINS], cast.mill: [MANAGE_SETTINGS]},
    )
    assert response.status_code == 302
    assert _grants_of(cast.mill_admin) == {
        (MANAGE_CUSTOMERS, cast.harbour.pk),
        (MANAGE_ADMINS, cast.harbour.pk),
        (MANAGE_SETTINGS, cast.mill.pk),
    }
    entry = AuditEntry.objects.filter(verb=Verb.ADMIN_PERMISSIONS_CHANGED).latest("pk")
    assert entry.actor == cast.owner
    assert entry.before["grants"] == {str(cast.mill.pk): ["manage_customers"]}
    assert entry.after["grants"] == {
        str(cast.harbour.pk): ["manage_admins", "manage_customers"],
        str(cast.mill.pk): ["manage_settings"],
    }


def test_a_manager_changes_only_their_locations_and_keeps_the_rest(client, cast, people):
    client.force_login(people.manager)
    form = client.get(_url(cast, "admin", _role(cast.mill_admin).pk)).content.decode()
    assert f'name="location_{cast.harbour.pk}"' in form
    assert f'name="location_{cast.mill.pk}"' not in form
    assert 'name="is_owner"' not in form
    response = _post_grants(client, cast, cast.mill_admin, {cast.harbour: [MANAGE_SETTINGS]})
    assert response.status_code == 302
    # Old Mill is not theirs: the grant there stays as it was.
    assert _grants_of(cast.mill_admin) == {
        (MANAGE_SETTINGS, cast.harbour.pk),
        (MANAGE_CUSTOMERS, cast.mill.pk),
    }


def test_nobody_grants_what_they_do_not_hold(client, cast, people):
    """narrow holds "manage admins" at Harbour but not "manage settings"."""
    client.force_login(people.narrow)
    response = _post_grants(
        client, cast, cast.mill_admin, {cast.harbour: [MANAGE_CUSTOMERS, MANAGE_SETTINGS]}
    )
    assert response.status_code == 400
    assert "you do not hold it there" in response.content.decode()
    assert _grants_of(cast.mill_admin) == {(MANAGE_CUSTOMERS, cast.mill.pk)}
    # What they hold they may grant.
    response = _post_grants(client, cast, cast.mill_admin, {cast.harbour: [MANAGE_CUSTOMERS]})
    assert response.status_code == 302
    assert (MANAGE_CUSTOMERS, cast.harbour.pk) in _grants_of(cast.mill_admin)


def test_nobody_takes_away_what_they_do_not_hold(client, cast, people):
    """admin holds settings at Harbour; narrow may take customers, not settings."""
    client.force_login(people.narrow)
    response = _post_grants(client, cast, cast.admin, {cast.harbour: []})
    assert response.status_code == 400
    assert _grants_of(cast.admin) == {
        (MANAGE_CUSTOMERS, cast.harbour.pk),
        (MANAGE_SETTINGS, cast.harbour.pk),
    }
    response = _post_grants(client, cast, cast.admin, {cast.harbour: [MANAGE_SETTINGS]})
    assert response.status_code == 302
    assert _grants_of(cast.admin) == {(MANAGE_SETTINGS, cast.harbour.pk)}


#: (actor, target, grants after at the actor's form) → allowed. The action
#: itself, as a forged request reaches it past the form.
ACTION_MATRIX = [
    ("owner", "mill_admin", {("harbour", MANAGE_SETTINGS)}, True),
    ("manager", "mill_admin", {("harbour", MANAGE_ADMINS)}, True),
    ("manager", "mill_admin", {("mill", MANAGE_SETTINGS)}, False),  # not theirs
    ("narrow", "mill_admin", {("harbour", MANAGE_SETTINGS)}, False),  # not held
    ("narrow", "mill_admin", {("harbour", MANAGE_ADMINS)}, True),
    ("admin", "mill_admin", {("harbour", MANAGE_CUSTOMERS)}, False),  # no manage admins
    ("mill_admin", "admin", {("mill", MANAGE_CUSTOMERS)}, False),
    ("manager", "owner", {("harbour", MANAGE_CUSTOMERS)}, False),  # an owner
    ("manager", "manager", set(), False),  # oneself
    ("other_admin", "mill_admin", {("harbour", MANAGE_CUSTOMERS)}, False),  # elsewhere
    ("contact", "mill_admin", {("harbour", MANAGE_CUSTOMERS)}, False),
]


@pytest.mark.parametrize(("actor", "target", "after", "allowed"), ACTION_MATRIX)
def test_who_may_change_whose_permissions(cast, people, actor, target, after, allowed):
    role = _role(_actor(cast, people, target))
    where = {"harbour": cast.harbour, "mill": cast.mill}
    locations = [where[name] for name, _ in after] or [cast.harbour]
    before = role_grants(role)
    grants = {(perm, where[name].pk) for name, perm in after}
    call = {
        "role": role,
        "actor": _actor(cast, people, actor),
        "locations": locations,
        "grants": grants,
    }
    if allowed:
        assert admin_set_permissions(**call)
        assert {g for g in role_grants(role) if g[1] in {x.pk for x in locations}} == grants
    else:
        with pytest.raises(PermissionDenied):
            admin_set_permissions(**call)
        assert role_grants(role) == before


def test_a_forged_location_of_another_organization_grants_nothing(client, cast, people):
    client.force_login(cast.owner)
    response = client.post(
        _url(cast, "admin", _role(cast.mill_admin).pk),
        {f"location_{cast.other_location.pk}": [MANAGE_CUSTOMERS]},
    )
    # Not a field of the form: the posted grants at Harbour and Old Mill are
    # "none", nothing lands at the other organization's location.
    assert response.status_code == 302
    assert not LocationUserObjectPermission.objects.filter(
        content_object=cast.other_location
    ).exists()
    with pytest.raises(PermissionDenied):
        admin_set_permissions(
            role=_role(cast.mill_admin),
            actor=cast.owner,
            locations=[cast.other_location],
            grants={(MANAGE_CUSTOMERS, cast.other_location.pk)},
        )


def test_another_organizations_admin_is_a_404(client, cast, people):
    foreign = _role(cast.other_admin)
    client.force_login(cast.owner)
    assert client.get(_url(cast, "admin", foreign.pk)).status_code == 404
    assert client.post(_url(cast, "admin", foreign.pk), {}).status_code == 404
    for action in ("suspend", "restore", "remove"):
        assert client.post(_url(cast, "admin_action", foreign.pk, action)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.suspended_at is None


# ------------------------------------------------------- owners, suspension


def test_only_owners_make_or_unmake_owners(client, cast, people):
    client.force_login(people.manager)
    response = _post_grants(client, cast, cast.mill_admin, {cast.harbour: []}, is_owner="on")
    assert not _role(cast.mill_admin).is_owner  # not a field for them
    client.force_login(cast.owner)
    response = _post_grants(client, cast, cast.mill_admin, {}, is_owner="on")
    assert response.status_code == 302
    assert _role(cast.mill_admin).is_owner
    # Another owner is demoted by an owner; an owner never by themselves.
    response = _post_grants(client, cast, people.second_owner, {})
    assert response.status_code == 302
    assert not _role(people.second_owner).is_owner
    with pytest.raises(PermissionDenied, match="your own"):
        admin_set_permissions(
            role=_role(cast.owner), actor=cast.owner, locations=[], grants=set(), is_owner=False
        )


def test_the_last_owner_stays(cast, people):
    """Support (actor None) stands outside the admins' permissions, not
    outside this: the organization keeps an active owner."""
    owner_role = _role(cast.owner)
    admin_remove(role=_role(people.second_owner), actor=None)
    for act in (admin_remove, admin_suspend):
        with pytest.raises(PermissionDenied, match="last owner"):
            act(role=owner_role, actor=None)
    with pytest.raises(PermissionDenied, match="last owner"):
        admin_set_permissions(
            role=owner_role, actor=None, locations=[], grants=set(), is_owner=False
        )
    owner_role.refresh_from_db()
    assert owner_role.is_owner and owner_role.suspended_at is None


def test_removing_the_last_owner_through_the_page_is_refused(client, cast, people):
    client.force_login(cast.owner)
    assert (
        client.post(_url(cast, "admin_action", _role(people.second_owner).pk, "remove")).status_code
        == 302
    )
    response = client.post(_url(cast, "admin_action", _role(cast.owner).pk, "remove"))
    assert response.status_code == 403
    assert OrganizationAdmin.objects.filter(user=cast.owner, is_owner=True).exists()


#: (actor, target) → may suspend, restore and remove.
TAKING_AWAY = [
    ("owner", "admin", True),
    ("owner", "second_owner", True),
    ("manager", "admin", True),  # holds all the admin holds, where it is
    ("narrow", "admin", False),  # admin holds settings at Harbour; narrow does not
    ("manager", "mill_admin", False),  # Old Mill is not theirs
    ("manager", "owner", False),
    ("manager", "manager", False),
    ("admin", "mill_admin", False),
    ("mill_admin", "mill_admin", False),
    ("other_admin", "admin", False),
]


@pytest.mark.parametrize(("actor", "target", "allowed"), TAKING_AWAY)
def test_who_may_suspend_restore_and_remove(client, cast, people, actor, target, allowed):
    actor_user = _actor(cast, people, actor)
    target_user = _actor(cast, people, target)
    role = _role(target_user)
    client.force_login(actor_user)
    response = client.post(_url(cast, "admin_action", role.pk, "suspend"))
    role.refresh_from_db()
    if not allowed:
        assert response.status_code in (403, 404)
        assert role.suspended_at is None
        assert client.post(_url(cast, "admin_action", role.pk, "remove")).status_code in (403, 404)
        assert OrganizationAdmin.objects.filter(pk=role.pk).exists()
        return
    assert response.status_code == 302
    assert role.suspended_at is not None
    assert admin_role(type(target_user).objects.get(pk=target_user.pk), cast.org) is None
    assert client.post(_url(cast, "admin_action", role.pk, "restore")).status_code == 302
    role.refresh_from_db()
    assert role.suspended_at is None
    held = role_grants(role)
    assert client.post(_url(cast, "admin_action", role.pk, "remove")).status_code == 302
    assert not OrganizationAdmin.objects.filter(pk=role.pk).exists()
    assert not LocationUserObjectPermission.objects.filter(user=target_user).exists()
    verbs = list(
        AuditEntry.objects.filter(subject_id=role.pk, actor=actor_user)
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [Verb.ADMIN_SUSPENDED, Verb.ADMIN_PERMISSIONS_CHANGED, Verb.ADMIN_REMOVED]
    removed = AuditEntry.objects.get(subject_id=role.pk, verb=Verb.ADMIN_REMOVED)
    assert sum(len(perms) for perms in removed.before["grants"].values()) == len(held)


def test_an_unknown_action_is_a_404(client, cast, people):
    client.force_login(cast.owner)
    response = client.post(_url(cast, "admin_action", _role(cast.admin).pk, "promote"))
    assert response.status_code == 404


# ------------------------------------------------------------------ inviting


def _invite(client, cast, user, *, email="ada@example.test", grants=None, **extra):
    client.force_login(user)
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
        "location": cast.harbour.pk,
    }
    for location, perms in (grants or {cast.harbour: [MANAGE_CUSTOMERS]}).items():
        data[f"location_{location.pk}"] = perms
    data.update(extra)
    return client.post(_url(cast, "admin_invite"), data)


def test_inviting_an_admin_invites_their_member_record(
    client, cast, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            client,
            cast,
            people.manager,
            grants={cast.harbour: [MANAGE_CUSTOMERS, MANAGE_ADMINS]},
        )
    assert response.status_code == 302
    member = Member.objects.get(email="ada@example.test")
    assert member.portal_access == PortalAccess.PENDING
    role = OrganizationAdmin.objects.get(invited_member=member)
    assert role.organization == cast.org and not role.is_owner
    assert role.user.email == "ada@example.test"
    assert role_grants(role) == {
        (MANAGE_CUSTOMERS, cast.harbour.pk),
        (MANAGE_ADMINS, cast.harbour.pk),
    }
    assert Invitation.objects.filter(member=member).exists()
    verbs = set(AuditEntry.objects.filter(member=member).values_list("verb", flat=True))
    assert {Verb.MEMBER_CREATED, Verb.ADMIN_PERMISSIONS_CHANGED, Verb.INVITATION_SENT} <= verbs
    # Not accepted yet: the role gives nothing until the person proves the address.
    assert response["Location"] == _url(cast, "admin", role.pk)


def test_an_existing_member_with_a_login_gets_the_role_at_once(client, cast, people):
    response = _invite(client, cast, cast.owner, email=cast.teammate.email.upper())
    assert response.status_code == 302
    role = OrganizationAdmin.objects.get(invited_member=cast.teammate)
    assert role.user == cast.teammate.user  # the record's own login, no new one
    assert Member.objects.filter(email__iexact=cast.teammate.email).count() == 1
    assert not Invitation.objects.filter(member=cast.teammate).exists()
    client.force_login(cast.teammate.user)
    assert client.get(_url(cast, "members")).status_code == 200


def test_inviting_refuses_at_the_field(client, cast, people):
    # Granting what the inviter does not hold.
    response = _invite(client, cast, people.narrow, grants={cast.harbour: [MANAGE_SETTINGS]})
    assert response.status_code == 400
    assert "you do not hold it there" in response.content.decode()
    # A home location that is not theirs, or another organization's.
    for location in (cast.mill, cast.other_location):
        response = _invite(client, cast, people.narrow, location=location.pk)
        assert response.status_code == 400
    # Nothing at all granted.
    response = _invite(client, cast, people.narrow, grants={cast.harbour: []})
    assert response.status_code == 400
    # Someone already an admin here.
    response = _invite(client, cast, cast.owner, email=cast.admin.email)
    assert response.status_code == 400
    assert "already an admin here" in response.content.decode()
    assert not Member.objects.filter(email="ada@example.test").exists()


def test_inviting_without_manage_admins_is_refused(client, cast, people):
    response = _invite(client, cast, cast.admin)
    assert response.status_code == 403
    assert not Member.objects.filter(email="ada@example.test").exists()
    response = _invite(client, cast, cast.contact.user)
    assert response.status_code == 404


def test_only_an_owner_invites_an_owner(client, cast, people):
    response = _invite(client, cast, people.manager, is_owner="on")
    # Not a field for them: an admin, not an owner, is invited.
    assert response.status_code == 302
    assert not OrganizationAdmin.objects.get(user__email="ada@example.test").is_owner
    response = _invite(client, cast, cast.owner, email="bo@example.test", is_owner="on")
    assert response.status_code == 302
    assert OrganizationAdmin.objects.get(user__email="bo@example.test").is_owner


def test_the_invited_admin_accepts_and_opens_the_admin_portal(
    client, cast, people, django_capture_on_commit_callbacks
):
    from tests.invitation_helpers import last_link

    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast, cast.owner, grants={cast.mill: [MANAGE_CUSTOMERS]})
    client.logout()
    path, _token = last_link("ada@example.test")
    assert client.post(path).status_code == 302
    assert client.get(_url(cast, "members")).status_code == 200
    assert client.get(_url(cast, "admins")).status_code == 200
    assert client.get(_url(cast, "admin_invite")).status_code == 403


# ------------------------------------------------------------------ queries


@pytest.mark.parametrize("extra", [1, 15])
def test_the_admins_pages_cost_the_same_queries_at_any_size(
    client, cast, people, extra, django_assert_max_num_queries
):
    for _ in range(extra):
        user = f.OrganizationAdminFactory(organization=cast.org).user
        assign_perm(MANAGE_CUSTOMERS, user, cast.mill)
        f.MemberFactory(location=cast.mill, user=user, email=user.email)
    client.force_login(people.manager)
    with django_assert_max_num_queries(12):
        assert client.get(_url(cast, "admins")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(_url(cast, "admin", _role(cast.mill_admin).pk)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(_url(cast, "admin_invite")).status_code == 200
