"""Upgrading an installation with companies in it (companies 0006-0008,
members 0016): each company becomes a customer where it was, and wherever
its members already were, so every member stays at one of its company's
locations; going back leaves each company at its first location."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


BEFORE = {
    "companies": "0005_company_search_trigrams",
    "members": "0013_invitation_email_outbox_engine",
    # Its approval requests (issue 14) point at members 0018.
    "notifications": "0006_notification_email_outbox",
}


def _migrate(before=False):
    """Every app to its latest migration, or (``before``) companies and
    members to theirs before issue 13."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = executor.loader.graph.leaf_nodes()
    if before:
        targets = [(app, BEFORE.get(app, name)) for app, name in targets]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_company_location_becomes_company_locations(cast):
    apps = _migrate(before=True)
    try:
        Company = apps.get_model("companies", "Company")
        Member = apps.get_model("members", "Member")
        org = cast.org.pk
        tyrell = Company.objects.create(organization_id=org, location_id=cast.harbour.pk, name="T")
        # A member at another location than their company's: the old code
        # let support's edits do that; the upgrade must not fail on it.
        Member.objects.create(
            organization_id=org, location_id=cast.mill.pk, company_id=tyrell.pk, first_name="R"
        )
        Member.objects.create(
            organization_id=org, location_id=cast.harbour.pk, company_id=tyrell.pk, first_name="S"
        )
        acme_was = Company.objects.get(pk=cast.acme.pk).location_id
    finally:
        apps = _migrate()
    CompanyLocation = apps.get_model("companies", "CompanyLocation")

    def places(company_id):
        return set(
            CompanyLocation.objects.filter(company_id=company_id).values_list(
                "location_id", flat=True
            )
        )

    assert places(tyrell.pk) == {cast.harbour.pk, cast.mill.pk}
    assert places(cast.acme.pk) == {acme_was}

    apps = _migrate(before=True)
    try:
        Company = apps.get_model("companies", "Company")
        assert Company.objects.get(pk=cast.acme.pk).location_id == acme_was
        assert Company.objects.get(pk=tyrell.pk).location_id in {cast.harbour.pk, cast.mill.pk}
    finally:
        _migrate()
