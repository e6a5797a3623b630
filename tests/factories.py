"""factory-boy factories for every model.

Factories build plain rows; tests that need a rule's side effects (history,
permissions, outbox) set the data up by calling the real actions instead.
"""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from audit.models import Verb, Via
from companies.models import Company, CompanyLocation
from members.models import Member, Membership, MemberStatus, Plan, PortalAccess, StatusChange
from organizations.models import Location, Organization, OrganizationAdmin

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """The login's address, proven (as after a first login by code)
        unless ``verified=False``: email verification is mandatory, so a
        login through the real form needs it."""
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email.lower(), primary=True, verified=extracted is not False
            )


class StaffFactory(UserFactory):
    """Support staff, with the second factor /support/ requires set up
    (``totp=<secret>`` to know its codes)."""

    is_staff = True
    is_superuser = True

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if create:
            TOTP.activate(obj, extracted or generate_totp_secret())


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Operator {n}")
    slug = factory.Sequence(lambda n: f"operator-{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    slug = factory.Sequence(lambda n: f"location-{n}")


class OrganizationAdminFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationAdmin

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    is_owner = False


class CompanyFactory(factory.django.DjangoModelFactory):
    """A company at ``location`` (and at any ``also_at`` locations)."""

    class Meta:
        model = Company

    location = factory.SubFactory(LocationFactory)
    also_at = ()
    organization = factory.SelfAttribute("location.organization")
    name = factory.Sequence(lambda n: f"Company {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        places = [kwargs.pop("location"), *kwargs.pop("also_at")]
        company = super()._create(model_class, *args, **kwargs)
        CompanyLocation.objects.bulk_create(
            [
                CompanyLocation(
                    organization_id=company.organization_id, company=company, location=place
                )
                for place in places
            ]
        )
        return company


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    location = factory.SubFactory(LocationFactory)
    organization = factory.SelfAttribute("location.organization")
    company = None
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"member{n}@example.test")
    status = MemberStatus.ACTIVE
    portal_access = PortalAccess.NONE


class PortalMemberFactory(MemberFactory):
    """A member with a login and an accepted invitation."""

    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"))
    portal_access = PortalAccess.ACTIVE


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")
    price = 200


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active personal membership that started last month."""

    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    plan = factory.SubFactory(PlanFactory, organization=factory.SelfAttribute("..organization"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = None


class StatusChangeFactory(factory.django.DjangoModelFactory):
    """A status history row: an audit entry of verb member.status_changed."""

    class Meta:
        model = StatusChange

    class Params:
        from_status = MemberStatus.ACTIVE
        to_status = MemberStatus.FORMER

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    verb = Verb.MEMBER_STATUS_CHANGED
    before = factory.LazyAttribute(lambda o: {"status": o.from_status})
    after = factory.LazyAttribute(lambda o: {"status": o.to_status})
    via = Via.ADMIN
