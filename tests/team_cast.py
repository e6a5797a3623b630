"""The cast with team management switched on, plus the people the team
rules are about: a manager, a colleague without a login, a colleague with an
active membership, and a third company's member; and the checks the team
tests share (grants, shows, said, refreshed)."""

from dataclasses import dataclass

import pytest
from django.utils.html import escape

from companies.models import Company, CompanyUserObjectPermission
from members.actions.roles import company_set_manager
from members.models import Member
from organizations.services import organization_update_settings
from tests import factories as f


@dataclass
class Team:
    cast: object
    manager: Member  # Acme manager with a login
    colleague: Member  # plain Acme member, no login
    committed: Member  # Acme member with an active membership
    initech: Company  # a third company at harbour
    outsider: Member  # Initech member


@pytest.fixture
def team(cast) -> Team:
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    manager = f.PortalMemberFactory(location=cast.harbour, company=cast.acme, first_name="Max")
    company_set_manager(company=cast.acme, member=manager, is_manager=True)
    colleague = f.MemberFactory(location=cast.harbour, company=cast.acme, first_name="Cole")
    committed = f.MemberFactory(
        location=cast.harbour, company=cast.acme, first_name="Cora", last_name="Vance"
    )
    f.MembershipFactory(member=committed)
    initech = f.CompanyFactory(location=cast.harbour, name="Initech")
    outsider = f.MemberFactory(location=cast.harbour, company=initech, first_name="Otto")
    return Team(cast, manager, colleague, committed, initech, outsider)


def refreshed(member: Member) -> Member:
    member.refresh_from_db()
    return member


def said(message: str, member=None) -> str:
    """A members/policy.py message as the cast's organization shows it."""
    return message.format(member=member, organization="Northwind")


def shows(response, text: str) -> bool:
    return escape(str(text)) in response.content.decode()


def grants(company):
    return set(
        CompanyUserObjectPermission.objects.filter(
            content_object=company, permission__codename="manage_team"
        ).values_list("user_id", flat=True)
    )
