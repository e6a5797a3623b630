"""organizations.permissions.admin_locations: a location-limited admin's
grants are read once per user object (in a view, once a request) and
named by id in every query after; an owner's are every location."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from organizations.permissions import (
    MANAGE_ADMINS,
    MANAGE_CUSTOMERS,
    MANAGE_SETTINGS,
    admin_location_ids,
    admin_locations,
)
from tests import factories as f


def fresh(user):
    """The user as the next request loads it."""
    return get_user_model().objects.get(pk=user.pk)


def held(user, organization, perm=MANAGE_CUSTOMERS):
    ids = {location.pk for location in admin_locations(user, organization, perm)}
    assert admin_location_ids(user, organization, perm) == ids
    return ids


def test_each_permission_opens_its_own_locations(cast):
    assign_perm(MANAGE_ADMINS, cast.admin, cast.mill)
    admin = fresh(cast.admin)
    assert held(admin, cast.org) == {cast.harbour.pk}
    assert held(admin, cast.org, MANAGE_SETTINGS) == {cast.harbour.pk}
    assert held(admin, cast.org, MANAGE_ADMINS) == {cast.mill.pk}


def test_a_group_grant_counts_and_an_owner_holds_every_location(cast):
    group = Group.objects.create(name="Mill desk")
    assign_perm(MANAGE_CUSTOMERS, group, cast.mill)
    cast.admin.groups.add(group)
    assert held(fresh(cast.admin), cast.org) == {cast.harbour.pk, cast.mill.pk}
    assert held(fresh(cast.owner), cast.org) == {cast.harbour.pk, cast.mill.pk}


def test_a_grant_at_another_organizations_location_opens_nothing_here(cast):
    """Forged by support in Django admin: the admin holds a grant at a
    location of another operator, where they have no admin role."""
    assign_perm(MANAGE_CUSTOMERS, cast.admin, cast.other_location)
    admin = fresh(cast.admin)
    assert held(admin, cast.org) == {cast.harbour.pk}
    assert held(admin, cast.other_org) == set()
    mill_only = fresh(cast.mill_admin)
    assign_perm(MANAGE_CUSTOMERS, cast.mill_admin, cast.other_location)
    assert held(mill_only, cast.org) == {cast.mill.pk}


def test_an_admin_with_no_grant_holds_no_location(cast):
    nobody = f.OrganizationAdminFactory(organization=cast.org).user
    assert held(nobody, cast.org) == set()
    assert not admin_locations(nobody, cast.org).exists()


@pytest.mark.parametrize("change", ["grant", "revoke"])
def test_a_grant_changed_shows_from_the_next_request(client, cast, change):
    at_mill = f.MemberFactory(location=cast.mill, first_name="Millicent")
    if change == "revoke":
        assign_perm(MANAGE_CUSTOMERS, cast.admin, cast.mill)
    admin = fresh(cast.admin)
    before = held(admin, cast.org)
    if change == "grant":
        assign_perm(MANAGE_CUSTOMERS, cast.admin, cast.mill)
    else:
        remove_perm(MANAGE_CUSTOMERS, cast.admin, cast.mill)
    assert held(admin, cast.org) == before  # the same request: as read
    client.force_login(cast.admin)
    url = reverse("adminportal:member", args=[cast.org.slug, at_mill.pk])
    assert client.get(url).status_code == (200 if change == "grant" else 404)
