"""Tenancy fails loud (issue 11, item 5; tenancy/scoping.py).

Inside a request for one organization, tenant-owned queries see only its
rows; anywhere without an organization they raise ScopeError rather than
read every tenant's. tests/conftest.py switches scoping off around each
test; these tests enter a request's scope themselves, as the middleware
does, to prove that it refuses.
"""

import contextvars
import datetime

import pytest
from django.apps import apps
from django.db import models
from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from django_scopes import ScopeError

from companies.models import Company
from members.login_access import has_usable_access
from members.models import Member, Membership, MemberStatus, PortalAccess, StatusChange
from members.selectors import members_for_admin
from members.tasks import set_former_when_membership_ended
from organizations.models import Location, Organization, OrganizationAdmin
from tenancy.scoping import get_in_org_or_404, request_scope
from tests import factories as f

# Guardian's grant tables point at a Location or a Company, but are read
# only through guardian, for an object or a user it is given; the rows they
# lead to are then read through the scoped managers.
NOT_SCOPED = {
    "organizations.LocationUserObjectPermission",
    "organizations.LocationGroupObjectPermission",
    "companies.CompanyUserObjectPermission",
    "companies.CompanyGroupObjectPermission",
}


def path_to_organization(model, depth=3) -> str | None:
    """The foreign-key path from ``model`` to its Organization, if it has one."""
    if depth == 0:
        return None
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):
            continue
        target = field.related_model
        if target is Organization:
            return field.name
        if target is model:
            continue
        rest = path_to_organization(target, depth - 1)
        if rest is not None:
            return f"{field.name}__{rest}"
    return None


def tenant_owned_models():
    return [
        model
        for model in apps.get_models()
        if model is not Organization and path_to_organization(model) is not None
    ]


def test_the_model_list_is_not_empty():
    """The enumeration below would pass on nothing."""
    names = {m._meta.label for m in tenant_owned_models()}
    assert {"members.Member", "companies.Company", "organizations.Location"} <= names
    assert names >= NOT_SCOPED


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label)
def test_every_tenant_owned_model_is_scoped_to_its_organization(model):
    if model._meta.label in NOT_SCOPED:
        return
    manager = model._default_manager
    path = getattr(manager, "organization_path", None)
    assert path is not None, (
        f"{model._meta.label} belongs to an organization but its default manager is not "
        "tenancy.scoping.tenant_manager(): its rows could be read across tenants."
    )
    # The path the manager filters on leads to the Organization.
    field = None
    current = model
    for name in path.split("__"):
        field = current._meta.get_field(name)
        current = field.related_model
    assert current is Organization


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label)
def test_without_a_scope_every_tenant_owned_query_raises(db, model):
    if model._meta.label in NOT_SCOPED:
        return
    manager = model._default_manager
    reads = [
        lambda: list(manager.all()),
        lambda: manager.filter(pk=1),
        lambda: manager.get(pk=1),
        lambda: manager.count(),
        lambda: manager.exists(),
        lambda: list(manager.exclude(pk=1)),
        lambda: list(manager.select_related()),
        lambda: manager.in_bulk([1]),
        lambda: list(Organization.objects.filter(pk__in=manager.values("pk"))),
    ]
    with request_scope(None):
        for read in reads:
            with pytest.raises(ScopeError):
                read()
        # Nothing read: still allowed.
        assert list(manager.none()) == []


def test_outside_any_request_or_scope_a_query_raises(db):
    """A shell or a script with no scope at all (a fresh context)."""
    with pytest.raises(ScopeError):
        contextvars.Context().run(lambda: list(Member.objects.all()))


def test_own_queryset_methods_refuse_too(db):
    with request_scope(None):
        with pytest.raises(ScopeError):
            list(Membership.objects.active())
        with pytest.raises(ScopeError):
            OrganizationAdmin.objects.active().exists()


def test_in_an_organizations_scope_only_its_rows_are_read(cast):
    other_company = f.CompanyFactory(location=cast.other_location)
    f.StatusChangeFactory(member=cast.other_member)
    with request_scope(cast.org):
        assert {m.organization_id for m in Member.objects.all()} == {cast.org.pk}
        assert cast.other_member.pk not in Member.objects.values_list("pk", flat=True)
        assert not Company.objects.filter(pk=other_company.pk).exists()
        assert set(Location.objects.all()) == {cast.harbour, cast.mill}
        assert not StatusChange.objects.filter(member=cast.other_member).exists()
        # A query that forgot its organization reads this one's rows only.
        assert Member.objects.count() == Member.objects.filter(organization=cast.org).count()
        # Reverse relations go through the scoped manager too.
        assert list(cast.other_location.members.all()) == []


def test_in_an_organizations_scope_another_organizations_id_is_404(cast):
    with request_scope(cast.org):
        assert get_in_org_or_404(Member, cast.org, pk=cast.contact.pk) == cast.contact
        with pytest.raises(Http404):
            get_in_org_or_404(Member, cast.org, pk=cast.other_member.pk)
        # Even asked for the other organization by name, from inside this one.
        with pytest.raises(Http404):
            get_in_org_or_404(Member, cast.other_org, pk=cast.other_member.pk)


def test_get_in_org_or_404_holds_with_scoping_switched_off(cast):
    """The support site and the tasks switch scoping off; the explicit
    filter still keeps another organization's id a 404."""
    with pytest.raises(Http404):
        get_in_org_or_404(Member, cast.org, pk=cast.other_member.pk)


def test_a_selector_called_outside_a_request_raises(cast):
    with request_scope(None), pytest.raises(ScopeError):
        list(members_for_admin(user=cast.owner, organization=cast.org))


# A view that forgets to filter by organization, under and outside /o/<org>/.
def forgetful_view(request):
    names = sorted(Member.objects.values_list("first_name", flat=True))
    return HttpResponse(",".join(names))


urlpatterns = [
    path("o/<slug:org_slug>/forgetful/", forgetful_view),
    path("forgetful/", forgetful_view),
]
handler500 = "config.errors.server_error"


@pytest.mark.urls(__name__)
def test_a_view_that_forgets_its_organization_reads_only_the_requests(client, cast):
    response = client.get(f"/o/{cast.org.slug}/forgetful/")
    assert response.status_code == 200
    names = response.content.decode().split(",")
    assert cast.contact.first_name in names
    assert cast.other_member.first_name not in names
    assert len(names) == Member.objects.filter(organization=cast.org).count()


@pytest.mark.urls(__name__)
def test_a_tenant_query_outside_an_organization_raises(client, cast):
    with pytest.raises(ScopeError):
        client.get("/forgetful/")


@pytest.mark.urls(__name__)
def test_in_production_it_is_a_500_with_the_request_id(cast):
    response = Client(raise_request_exception=False).get("/forgetful/")
    assert response.status_code == 500
    assert response["X-Request-ID"]
    assert response["X-Request-ID"].encode() in response.content
    assert cast.other_member.first_name.encode() not in response.content


def test_a_task_sweeps_every_organization_even_run_inside_a_request(cast):
    """Tasks switch scoping off (config/celery.py): run eagerly inside one
    organization's request, a sweep still reaches the other's rows."""
    today = timezone.localdate()
    for org, member in ((cast.org, cast.teammate), (cast.other_org, cast.other_member)):
        org.auto_former_on_membership_end = True
        org.save()
        f.MembershipFactory(
            member=member,
            start_date=today - datetime.timedelta(days=60),
            end_date=today - datetime.timedelta(days=5),
        )
    with request_scope(cast.org):
        assert set_former_when_membership_ended.delay().get() == 2
    cast.other_member.refresh_from_db()
    assert cast.other_member.status == MemberStatus.FORMER


# Crossing organizations on purpose, from inside one: a login's records in
# every organization must not shrink to the request's without a word.


def _same_login_in_both(cast) -> Member:
    """cast.other_member's login also has a record in cast.org."""
    user = cast.other_member.user
    return f.PortalMemberFactory(location=cast.harbour, user=user, email=user.email)


def test_a_name_edited_in_one_portal_reaches_the_record_in_the_other(client, cast):
    here = _same_login_in_both(cast)
    client.force_login(here.user)
    response = client.post(
        reverse("portal:account", args=[cast.org.slug]),
        {"form": "profile", "first_name": "Renamed", "last_name": "Everywhere"},
    )
    assert response.status_code == 302
    cast.other_member.refresh_from_db()
    assert cast.other_member.full_name == "Renamed Everywhere"


def test_an_account_deleted_in_one_portal_is_erased_in_the_other(client, cast):
    here = _same_login_in_both(cast)
    client.force_login(here.user)
    response = client.post(
        reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"}
    )
    assert response.status_code == 302
    cast.other_member.refresh_from_db()
    assert (cast.other_member.first_name, cast.other_member.user_id) == ("Deleted user", None)


def test_may_this_login_get_in_counts_every_organization_asked_from_inside_one(cast):
    here = _same_login_in_both(cast)
    here.portal_access = PortalAccess.DEACTIVATED
    here.save()
    with request_scope(cast.org):
        assert has_usable_access(here.user)
