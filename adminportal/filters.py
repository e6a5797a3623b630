"""The customers directory's filters and sorts, one FilterSet per tab
(R6.1). What each filter means is in members/directory.py; here is only
how it reads from the URL, so every view is a bookmarkable address."""

import django_filters
from django import forms
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.directory import (
    COMPANY_SEARCH,
    InIds,
    member_search,
    membership_condition,
    new_condition,
    plan_condition,
    role_condition,
    search_condition,
)
from members.models import Member, MemberStatus, PortalAccess
from tenancy.scoping import scoped

#: Sort choices: (label, ordering, expressions the ordering needs). Every
#: ordering ends with the id and keeps one direction (keyset paging).
MEMBER_SORTS = {
    "name": (gettext_lazy("Name A–Z"), ["first_name", "last_name", "id"], {}),
    "-name": (gettext_lazy("Name Z–A"), ["-first_name", "-last_name", "-id"], {}),
    "email": (gettext_lazy("Email"), ["email", "id"], {}),
    # Members of one company (location) together, in its name's order;
    # people without a company first (adminportal.keyset.grouped_page).
    "company": (
        gettext_lazy("Company"),
        ["company_sort", "company_key", "first_name", "last_name", "id"],
        {
            "company_sort": Coalesce("company__name", Value("")),
            "company_key": Coalesce("company_id", Value(0)),
        },
    ),
    "location": (
        gettext_lazy("Location"),
        ["location_sort", "location_key", "first_name", "last_name", "id"],
        {"location_sort": F("location__name"), "location_key": F("location_id")},
    ),
    "-added": (gettext_lazy("Newest first"), ["-created_at", "-id"], {}),
    "added": (gettext_lazy("Oldest first"), ["created_at", "id"], {}),
}
#: Member sorts by a foreign key's name, paged by ``keyset.grouped_page``.
GROUPED_SORTS = ("company", "location")
COMPANY_SORTS = {
    "name": (gettext_lazy("Name A–Z"), ["name", "id"], {}),
    "-name": (gettext_lazy("Name Z–A"), ["-name", "-id"], {}),
    "-added": (gettext_lazy("Newest first"), ["-created_at", "-id"], {}),
}
USER_SORTS = {
    "email": (gettext_lazy("Email"), ["email", "id"], {}),
    "-email": (gettext_lazy("Email Z–A"), ["-email", "-id"], {}),
    "-joined": (gettext_lazy("Newest first"), ["-date_joined", "-id"], {}),
}

ROLE_CHOICES = [
    ("contact", gettext_lazy("Contact person")),
    ("billing", gettext_lazy("Billing person")),
    ("manager", gettext_lazy("Manager")),
    ("admin", gettext_lazy("Admin")),
]
MEMBERSHIP_CHOICES = [
    ("active", gettext_lazy("Active")),
    ("ending", gettext_lazy("Ending within 30 days")),
    ("none", gettext_lazy("None")),
]


class ListedChoices(django_filters.fields.ModelChoiceIterator):
    """A select's model choices read with one plain query. Django's own
    iterator reads them through ``QuerySet.iterator()``, a server-side
    cursor on PostgreSQL (DECLARE … WITH HOLD, FETCH, CLOSE: three round
    trips and a materialised result, for ten locations)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedChoices


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


def _sort_filter(sorts):
    return django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _, _) in sorts.items()],
        method="keep",
        empty_label=None,
        label=_("Sort by"),
    )


class SortedFilterSet(django_filters.FilterSet):
    SORTS: dict = {}

    def keep(self, queryset, name, value):
        return queryset  # the view orders, for keyset paging

    @property
    def sort(self) -> tuple[list[str], dict]:
        """(ordering, expressions) of the sort the URL asks for."""
        key = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        _, ordering, expressions = self.SORTS.get(key or "", next(iter(self.SORTS.values())))
        return ordering, expressions

    @property
    def active_filters(self) -> dict:
        """What the reader filtered by, for the export's audit entry."""
        if not self.form.is_valid():
            return {}
        return {
            name: str(getattr(value, "pk", value))
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "", False) and name != "sort"
        }


class MemberFilter(SortedFilterSet):
    SORTS = MEMBER_SORTS

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))
    status = django_filters.ChoiceFilter(
        choices=MemberStatus.choices, empty_label=gettext_lazy("Any status")
    )
    # By id: a select of every company would be thousands of options. The
    # Companies tab links here; the search box finds members by company name.
    company = ModelChoiceFilter(
        queryset=None, widget=forms.NumberInput(attrs={"min": 1}), label=gettext_lazy("Company ID")
    )
    location = ModelChoiceFilter(queryset=None, empty_label=gettext_lazy("All my locations"))
    role = django_filters.ChoiceFilter(
        choices=ROLE_CHOICES, method="by_role", empty_label=gettext_lazy("Any role")
    )
    portal_access = django_filters.ChoiceFilter(
        choices=PortalAccess.choices, empty_label=gettext_lazy("Any portal access")
    )
    plan = ModelChoiceFilter(queryset=None, method="by_plan", empty_label=gettext_lazy("Any plan"))
    membership = django_filters.ChoiceFilter(
        choices=MEMBERSHIP_CHOICES,
        method="by_membership",
        empty_label=gettext_lazy("Any membership"),
    )
    new = django_filters.BooleanFilter(
        method="only_new",
        widget=forms.CheckboxInput,
        label=gettext_lazy("New (invited, last 14 days)"),
    )
    sort = _sort_filter(MEMBER_SORTS)

    class Meta:
        model = Member
        fields = []

    def __init__(self, *args, tab, organization, locations, companies, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.filters["location"].queryset = locations
        self.filters["company"].queryset = companies
        self.filters["plan"].queryset = plans
        if tab == "members":
            del self.filters["status"]  # the tab is Active members
        else:
            self.filters["status"].extra["choices"] = [
                (MemberStatus.CONTACT, MemberStatus.CONTACT.label),
                (MemberStatus.FORMER, MemberStatus.FORMER.label),
            ]

    @property
    def group(self) -> str | None:
        """The foreign key the chosen sort groups members by, if it does."""
        key = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return key if key in GROUPED_SORTS else None

    def search(self, queryset, name, value):
        # The matches first, by the trigram indexes, then the page of them
        # in the tab's order: in one query PostgreSQL, expecting many
        # matches, reads the tab in name order testing each row (all
        # 60,000 when there is one match).
        found = scoped(Member, self.organization).filter(
            member_search(value, organization=self.organization)
        )
        return queryset.filter(InIds("pk", found.order_by().values("pk")))

    def by_role(self, queryset, name, value):
        return queryset.filter(role_condition(value, organization=self.organization))

    def by_plan(self, queryset, name, value):
        return queryset.filter(plan_condition(value))

    def by_membership(self, queryset, name, value):
        return queryset.filter(membership_condition(value))

    def only_new(self, queryset, name, value):
        return queryset.filter(new_condition()) if value else queryset


class CompanyFilter(SortedFilterSet):
    SORTS = COMPANY_SORTS

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))
    # A company at several locations is one row whichever is chosen.
    location = ModelChoiceFilter(
        queryset=None, field_name="locations", empty_label=gettext_lazy("All my locations")
    )
    archived = django_filters.BooleanFilter(
        method="by_archived", widget=forms.CheckboxInput, label=gettext_lazy("Archived only")
    )
    sort = _sort_filter(COMPANY_SORTS)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["location"].queryset = locations

    def search(self, queryset, name, value):
        return queryset.filter(search_condition(value, fields=COMPANY_SEARCH))

    def by_archived(self, queryset, name, value):
        # Archived companies are hidden unless asked for (issue 13, item 2).
        return queryset.filter(archived_at__isnull=not value)


class UserFilter(SortedFilterSet):
    SORTS = USER_SORTS

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))
    admin = django_filters.BooleanFilter(
        method="admins_only", widget=forms.CheckboxInput, label=gettext_lazy("Admins only")
    )
    sort = _sort_filter(USER_SORTS)

    def __init__(self, *args, organization, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.members = members

    def search(self, queryset, name, value):
        found = self.members.filter(member_search(value, organization=self.organization))
        return queryset.filter(
            Q(InIds("pk", found.values("user_id"))) | search_condition(value, fields=("email",))
        )

    def admins_only(self, queryset, name, value):
        return queryset.filter(has_admin_role=True) if value else queryset
