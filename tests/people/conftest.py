"""Admins for the admins page's tests, beside the standing cast
(tests/conftest.py): who manages admins where, and with what."""

from dataclasses import dataclass

import pytest
from guardian.shortcuts import assign_perm

from organizations.models import OrganizationAdmin
from organizations.permissions import MANAGE_ADMINS, MANAGE_CUSTOMERS, MANAGE_SETTINGS
from tests import factories as f


@dataclass
class People:
    manager: object  # Harbour: customers, settings, admins
    narrow: object  # Harbour: customers, admins (no settings)
    second_owner: object  # another owner of the org

    def role(self, user) -> OrganizationAdmin:
        return OrganizationAdmin.objects.get(user=user)


@pytest.fixture
def people(cast) -> People:
    manager = f.OrganizationAdminFactory(organization=cast.org).user
    for perm in (MANAGE_CUSTOMERS, MANAGE_SETTINGS, MANAGE_ADMINS):
        assign_perm(perm, manager, cast.harbour)
    narrow = f.OrganizationAdminFactory(organization=cast.org).user
    for perm in (MANAGE_CUSTOMERS, MANAGE_ADMINS):
        assign_perm(perm, narrow, cast.harbour)
    second_owner = f.OrganizationAdminFactory(organization=cast.org, is_owner=True).user
    return People(manager=manager, narrow=narrow, second_owner=second_owner)
