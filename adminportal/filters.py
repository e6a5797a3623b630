import django_filters
from django.db.models import Q

from members.models import MemberStatus, PortalAccess


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, empty_label="Any status")
    portal_access = django_filters.ChoiceFilter(
        choices=PortalAccess.choices, empty_label="Any portal access"
    )
    location = django_filters.ModelChoiceFilter(queryset=None, empty_label="All my locations")

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["location"].queryset = locations

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(company__name__icontains=word)
            )
        return queryset
