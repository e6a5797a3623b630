"""R1.1 and R1.2: another organization's objects are 404; admins see only their locations."""

import pytest
from django.urls import reverse

from tests import factories as f


def admin_url(name, org, *args):
    return reverse(f"adminportal:{name}", args=[org.slug, *args])


@pytest.mark.parametrize(
    "page",
    [
        lambda cast: admin_url("member", cast.org, cast.other_member.pk),
        lambda cast: admin_url(
            "company", cast.org, f.CompanyFactory(location=cast.other_location).pk
        ),
    ],
    ids=["member", "company"],
)
def test_another_organizations_object_under_my_organization_is_404(client, cast, page):
    client.force_login(cast.owner)
    assert client.get(page(cast)).status_code == 404


@pytest.mark.parametrize(
    "name,args",
    [
        ("home", []),
        ("members", []),
        ("companies", []),
        ("member", ["member"]),
        ("company", ["company"]),
    ],
)
def test_admin_of_one_organization_gets_404_in_the_other(client, cast, name, args):
    objects = {
        "member": cast.other_member.pk,
        "company": f.CompanyFactory(location=cast.other_location).pk,
    }
    client.force_login(cast.owner)
    response = client.get(admin_url(name, cast.other_org, *[objects[a] for a in args]))
    assert response.status_code == 404


def test_member_of_one_organization_gets_404_in_the_others_portal(client, cast):
    client.force_login(cast.contact.user)
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 404


def test_members_are_not_admins(client, cast):
    client.force_login(cast.contact.user)
    assert client.get(admin_url("home", cast.org)).status_code == 404


def test_unknown_organization_is_404(client, cast):
    client.force_login(cast.owner)
    assert client.get("/o/no-such-operator/admin/").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, cast):
    response = client.get(admin_url("home", cast.org))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_admin_without_permission_on_a_location_sees_none_of_its_members(client, cast):
    at_mill = f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.admin)  # harbour only
    listing = client.get(admin_url("members", cast.org)).content.decode()
    assert cast.contact.full_name in listing
    assert "Millicent" not in listing
    assert client.get(admin_url("member", cast.org, at_mill.pk)).status_code == 404


def test_admin_without_permission_on_a_location_sees_none_of_its_companies(client, cast):
    mill_company = f.CompanyFactory(location=cast.mill, name="Millworks")
    client.force_login(cast.admin)
    assert "Millworks" not in client.get(admin_url("companies", cast.org)).content.decode()
    assert client.get(admin_url("company", cast.org, mill_company.pk)).status_code == 404


def test_location_filter_cannot_reach_a_location_without_permission(client, cast):
    f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.admin)
    response = client.get(admin_url("members", cast.org), {"location": cast.mill.pk})
    assert "Millicent" not in response.content.decode()


def test_owner_sees_every_location(client, cast):
    f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.owner)
    assert "Millicent" in client.get(admin_url("members", cast.org)).content.decode()


def test_global_permission_does_not_leak_locations(client, cast):
    """A model-wide grant (e.g. by support in Django admin) must not open every tenant."""
    from django.contrib.auth.models import Permission

    cast.admin.user_permissions.add(Permission.objects.get(codename="manage_customers"))
    f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.admin)
    assert "Millicent" not in client.get(admin_url("members", cast.org)).content.decode()


def test_a_grant_through_a_group_opens_that_location_only(client, cast):
    """Guardian's group grants count as the person's own (organizations.permissions)."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    group = Group.objects.create(name="Mill desk")
    assign_perm("organizations.manage_customers", group, cast.mill)
    cast.admin.groups.add(group)
    f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.admin)
    page = client.get(admin_url("members", cast.org)).content.decode()
    assert "Millicent" in page
    cast.admin.groups.remove(group)
    client.force_login(cast.admin)
    assert "Millicent" not in client.get(admin_url("members", cast.org)).content.decode()


def test_another_permission_at_a_location_does_not_open_its_members(client, cast):
    from guardian.shortcuts import assign_perm

    assign_perm("organizations.manage_settings", cast.admin, cast.mill)
    f.MemberFactory(location=cast.mill, first_name="Millicent")
    client.force_login(cast.admin)
    assert "Millicent" not in client.get(admin_url("members", cast.org)).content.decode()


def test_former_member_loses_the_member_portal(client, cast):
    cast.teammate.status = "former"
    cast.teammate.save()
    client.force_login(cast.teammate.user)
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 404
