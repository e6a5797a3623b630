import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy

from .models import Connection, DeliveryStatus


class DeliveryFilter(django_filters.FilterSet):
    connection = django_filters.ModelChoiceFilter(
        queryset=Connection.objects.none(), empty_label=gettext_lazy("All connections")
    )
    status = django_filters.ChoiceFilter(
        choices=DeliveryStatus.choices, empty_label=gettext_lazy("Any status")
    )
    member = django_filters.CharFilter(method="filter_member", label=gettext_lazy("Member"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this organization's connections are valid choices: another
        # tenant's id is "not a valid choice", never a filter that leaks.
        self.filters["connection"].queryset = Connection.objects.filter(organization=organization)

    def filter_member(self, queryset, name, value):
        value = value.strip()
        if value.isascii() and value.isdigit():  # "²".isdigit(), but int("²") fails
            return queryset.filter(member_ref=int(value))
        for word in value.split():
            queryset = queryset.filter(
                Q(member__first_name__icontains=word)
                | Q(member__last_name__icontains=word)
                | Q(member__email__icontains=word)
            )
        return queryset
