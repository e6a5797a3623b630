"""R2.2–R2.5, R7.3: who may view a team, add a member and change whose status.

Every cell is driven over HTTP. Where the page would hide or disable the
control, the request is forged: a POST the UI would never send. Portal
actors use the member portal; admins use the admin portal (R2.4).
"""

import pytest
from django.urls import reverse

from members.actions.access import member_deactivate_access
from members.models import Member, MemberStatus
from members.policy import (
    ACTIVE_MEMBERSHIP,
    DEACTIVATED_TEAMMATE,
    NOT_A_TEAM_MANAGER,
    OWN_STATUS,
)
from tests import factories as f
from tests.team_cast import refreshed, said, shows

PORTAL_ACTORS = {
    "contact person": lambda t: t.cast.contact,
    "billing person": lambda t: t.cast.billing,
    "manager": lambda t: t.manager,
    "plain member": lambda t: t.cast.teammate,
    "other company's contact": lambda t: t.cast.globex_contact,
}
ADMIN_ACTORS = {
    "admin": lambda t: t.cast.admin,
    "admin of another location": lambda t: t.cast.mill_admin,
    "other organization's admin": lambda t: t.cast.other_admin,
}


def _deactivated_teammate(team) -> Member:
    """An Acme member whose portal access an admin deactivated (R4.6)."""
    member = f.PortalMemberFactory(
        location=team.cast.harbour, company=team.cast.acme, first_name="Dee", last_name="Off"
    )
    return member_deactivate_access(member=member, actor=team.cast.admin)


TARGETS = {
    "self": None,  # the actor's own member record
    "teammate": lambda t: t.colleague,
    "teammate with active membership": lambda t: t.committed,
    "deactivated teammate": _deactivated_teammate,
    "member of another company": lambda t: t.outsider,
}
READ_ONLY = "Dee Off's portal access is deactivated, so the record is read-only."

OK, NOT_FOUND = "ok", "404"
FORBIDDEN = ("403", NOT_A_TEAM_MANAGER)

MANAGER_ROW = {
    "view team": OK,
    "add member": OK,
    "self": ("refused", said(OWN_STATUS)),
    "teammate": OK,
    "teammate with active membership": ("refused", said(ACTIVE_MEMBERSHIP, "Cora Vance")),
    # Not "activate it first": a contact person cannot; only an admin can.
    "deactivated teammate": ("refused", said(DEACTIVATED_TEAMMATE, "Dee Off")),
    "member of another company": NOT_FOUND,
}
EXPECTED = {
    "contact person": MANAGER_ROW,
    "billing person": MANAGER_ROW,
    "manager": MANAGER_ROW,
    "plain member": dict.fromkeys(MANAGER_ROW, FORBIDDEN),
    # Gus manages Globex only: his own page and additions are his company's;
    # Acme's and Initech's people do not exist for him.
    "other company's contact": {
        "view team": OK,
        "add member": OK,
        "self": ("refused", said(OWN_STATUS)),
        "teammate": NOT_FOUND,
        "teammate with active membership": NOT_FOUND,
        "deactivated teammate": NOT_FOUND,
        "member of another company": NOT_FOUND,
    },
    # Admins: no restrictions at their locations (R2.4); outsiders see nothing.
    "admin": {
        "view team": OK,
        "add member": OK,
        "teammate": OK,
        "teammate with active membership": OK,
        # Admins are bound by the read-only rule too, with their own message.
        "deactivated teammate": ("refused", READ_ONLY),
        "member of another company": OK,
    },
    "admin of another location": dict.fromkeys(
        ["view team", "add member", *list(TARGETS)[1:]], NOT_FOUND
    ),
    "other organization's admin": dict.fromkeys(
        ["view team", "add member", *list(TARGETS)[1:]], NOT_FOUND
    ),
}


def cells():
    for actor, row in EXPECTED.items():
        for operation, outcome in row.items():
            yield pytest.param(actor, operation, outcome, id=f"{actor}-{operation}")


def _portal(name, team, *args):
    return reverse(f"portal:{name}", args=[team.cast.org.slug, *args])


def _admin(name, team, *args):
    return reverse(f"adminportal:{name}", args=[team.cast.org.slug, *args])


def _new_member(email):
    return {"first_name": "Nina", "last_name": "New", "email": email, "status": "active"}


@pytest.mark.parametrize("actor_name,operation,expected", list(cells()))
def test_permission_matrix(client, team, actor_name, operation, expected):
    is_admin = actor_name in ADMIN_ACTORS
    if is_admin:
        user = ADMIN_ACTORS[actor_name](team)
        actor_member = None
    else:
        actor_member = PORTAL_ACTORS[actor_name](team)
        user = actor_member.user
    client.force_login(user)
    outcome, message = expected if isinstance(expected, tuple) else (expected, None)

    if operation == "view team":
        url = _admin("company", team, team.cast.acme.pk) if is_admin else _portal("team", team)
        response = client.get(url)
        if outcome == OK:
            assert response.status_code == 200
            assert shows(response, actor_member.company.name if actor_member else "Acme")
            # Their own team, and nobody else's.
            own = actor_member.company if actor_member else team.cast.acme
            page = response.content.decode()
            for member in (team.cast.teammate, team.outsider, team.cast.globex_contact):
                assert (member.full_name in page) == (member.company_id == own.pk), member
        else:
            assert response.status_code == int(outcome)
            if message:
                assert shows(response, message)
        return

    if operation == "add member":
        email = "nina.new@example.test"
        url = (
            _admin("company_add_member", team, team.cast.acme.pk)
            if is_admin
            else _portal("team_add", team)
        )
        response = client.post(url, _new_member(email))
        added = Member.objects.filter(email=email).first()
        if outcome == OK:
            assert response.status_code == 302, response.content.decode()[:2000]
            expected_company = actor_member.company if actor_member else team.cast.acme
            assert added is not None and added.company == expected_company
            # The company's one location: nothing to choose.
            assert [added.location] == list(expected_company.locations.all())
        else:
            assert added is None
            assert response.status_code == int(outcome)
            if message:
                assert shows(response, message)
        return

    target = actor_member if operation == "self" else TARGETS[operation](team)
    before = target.status
    assert before == MemberStatus.ACTIVE
    form = {"status": MemberStatus.FORMER, "reason": "Left the company"}
    url = (
        _admin("member_status", team, target.pk)
        if is_admin
        else _portal("team_member_status", team, target.pk)
    )
    response = client.post(url, form, follow=outcome in (OK, "refused"))
    if outcome == OK:
        assert response.status_code == 200
        assert refreshed(target).status == MemberStatus.FORMER
        assert shows(response, "is now Former")
    elif outcome == "refused":
        assert response.status_code == 200
        assert shows(response, message)
        assert refreshed(target).status == before
    else:
        assert response.status_code == int(outcome)
        if message:
            assert shows(response, message)
        assert refreshed(target).status == before
