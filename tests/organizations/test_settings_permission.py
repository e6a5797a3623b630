"""Organization-wide settings change every location, so managing them needs
the settings permission at every location of the organization (owners hold
it implicitly): organizations.permissions.can_manage_organization_settings."""

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from organizations.permissions import MANAGE_SETTINGS, can_manage_organization_settings
from tests import factories as f


def _fresh(user):
    """The user as the next request reads them (roles are kept per object)."""
    return type(user).objects.get(pk=user.pk)


def test_settings_at_some_locations_are_not_settings_everywhere(cast):
    assert can_manage_organization_settings(cast.owner, cast.org)
    assert not can_manage_organization_settings(cast.admin, cast.org)  # the harbour only
    assert not can_manage_organization_settings(cast.mill_admin, cast.org)  # customers only
    assign_perm(MANAGE_SETTINGS, cast.admin, cast.mill)
    assert can_manage_organization_settings(_fresh(cast.admin), cast.org)
    # A new location: not everywhere any more, until it is granted there too.
    dock = f.LocationFactory(organization=cast.org, name="Dock")
    assert not can_manage_organization_settings(_fresh(cast.admin), cast.org)
    group = Group.objects.create(name="dock settings")
    group.user_set.add(cast.admin)
    assign_perm(MANAGE_SETTINGS, group, dock)
    assert can_manage_organization_settings(_fresh(cast.admin), cast.org)


def test_grants_in_another_organization_or_none_at_all_are_nothing(cast):
    assert not can_manage_organization_settings(cast.other_admin, cast.org)
    assert not can_manage_organization_settings(cast.admin, cast.other_org)
    empty = f.OrganizationFactory(name="Empty", slug="empty")
    admin = f.OrganizationAdminFactory(organization=empty).user
    assert not can_manage_organization_settings(admin, empty)  # no location to hold it at
