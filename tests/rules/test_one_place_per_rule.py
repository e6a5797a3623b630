"""Each rule is decided in one place and everyone asks it (issue 11, item 6)."""

import itertools
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from audit.models import Via
from members.actions.invitations import member_invite
from members.actions.join_requests import join_request_approve, join_request_submit
from members.actions.mass_invite import parse_rows
from members.actions.personal_data import member_update_details
from members.actions.records import member_create
from members.models import Member, MemberStatus, PortalAccess
from members.policy import TeamPolicy, invite_hint, uninvitable
from organizations.services import organization_update_settings
from tests import factories as f

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATUS_STRING = re.compile(r"""\b(status|portal_access|state)\s*(==|!=)\s*["']""")


def test_templates_ask_the_policy_not_status_strings():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if STATUS_STRING.search(line)
    ]
    assert found == []


def test_the_check_catches_a_status_string():
    assert STATUS_STRING.search('{% if member.status == "active" %}')
    assert STATUS_STRING.search("{% if d.status != 'dead' %}")


CASES = list(
    itertools.product(MemberStatus.values, PortalAccess.values, ["someone@example.test", ""])
)


@pytest.mark.parametrize(("status", "access", "email"), CASES)
def test_everyone_agrees_on_who_may_be_invited(cast, status, access, email):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    member = f.MemberFactory(location=cast.harbour, company=cast.acme, email=email)
    Member.objects.filter(pk=member.pk).update(status=status, portal_access=access)
    member.refresh_from_db()
    may = uninvitable(member) is None

    assert (invite_hint(member) == "") is may
    policy = TeamPolicy(user=cast.contact.user, organization=cast.org)
    # A pending invitation is sent again, not refused, by both.
    assert (policy.invite_refusal(member) is None) is may
    try:
        member_invite(member=member, actor=cast.admin, via=Via.ADMIN)
    except ValidationError:
        admin_may = False
    else:
        admin_may = True
    assert admin_may is may


def test_every_door_refuses_an_address_taken_in_another_case(cast):
    f.MemberFactory(location=cast.harbour, email="taken@example.test")
    with pytest.raises(ValidationError):
        member_create(
            organization=cast.org, location=cast.harbour, first_name="A", email="TAKEN@example.test"
        )
    other = f.MemberFactory(location=cast.harbour, email="free@example.test")
    with pytest.raises(ValidationError):
        member_update_details(member=other, actor=cast.admin, email="Taken@Example.test")
    preview = parse_rows(
        "Ann\tA\tTaken@example.test", organization=cast.org, user=cast.admin, location=cast.harbour
    )
    assert "already a member here" in " ".join(preview.rows[0].errors)
    request = join_request_submit(
        location=cast.harbour, first_name="Jo", email="TAKEN@example.test"
    )
    with pytest.raises(ValidationError):
        join_request_approve(join_request=request, actor=cast.admin)
