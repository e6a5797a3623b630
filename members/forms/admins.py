"""The admins page's forms (R1.2): an admin's permissions at each location,
and inviting an admin. Only the locations where the person filling it in
may change admins are on the form; a box they may not change is refused at
its location, before the action refuses it again."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from organizations.models import Location
from organizations.permissions import ADMIN_PERMISSIONS, Grant, grant_label

from ..fields import column_field
from ..models import Member


class PermissionsForm(forms.Form):
    def __init__(
        self,
        *args,
        locations,
        changeable: set[Grant],
        grants: set[Grant] = frozenset(),
        owner_field: bool = False,
        is_owner: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.locations = list(locations)
        self.changeable = changeable
        self.held = set(grants)
        if owner_field:
            self.fields["is_owner"] = forms.BooleanField(
                label=gettext_lazy("Owner"),
                required=False,
                initial=is_owner,
                help_text=gettext_lazy(
                    "Owners may do everything at every location, including changing admins."
                ),
            )
        for location in self.locations:
            may = [perm for perm in ADMIN_PERMISSIONS if (perm, location.pk) in changeable]
            help_text = ""
            if len(may) < len(ADMIN_PERMISSIONS):
                help_text = gettext("You can change here only what you hold: %(list)s.") % {
                    "list": ", ".join(grant_label(perm) for perm in may) or "—"
                }
            self.fields[self.field_name(location)] = forms.MultipleChoiceField(
                label=location.name,
                required=False,
                choices=[(perm, grant_label(perm)) for perm in ADMIN_PERMISSIONS],
                widget=forms.CheckboxSelectMultiple,
                initial=[perm for perm in ADMIN_PERMISSIONS if (perm, location.pk) in self.held],
                help_text=help_text,
            )

    @staticmethod
    def field_name(location: Location) -> str:
        return f"location_{location.pk}"

    def clean(self):
        data = super().clean()
        for location in self.locations:
            name = self.field_name(location)
            if name not in data:
                continue
            before = {perm for perm, pk in self.held if pk == location.pk}
            for perm in sorted(before ^ set(data[name])):
                if (perm, location.pk) not in self.changeable:
                    self.add_error(
                        name,
                        gettext(
                            "You cannot grant or take away “%(permission)s” at %(location)s: "
                            "you do not hold it there."
                        )
                        % {"permission": grant_label(perm), "location": location.name},
                    )
        return data

    def grants(self) -> set[Grant]:
        return {
            (perm, location.pk)
            for location in self.locations
            for perm in self.cleaned_data.get(self.field_name(location), [])
        }


class AdminInviteForm(PermissionsForm):
    """Invite an admin: their member record (at a location where the inviter
    changes admins) and what they may do where."""

    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    email = column_field(Member, "email", required=True)  # the invitation goes there
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        label=gettext_lazy("Home location"),
        help_text=gettext_lazy(
            "Where their member record is kept. Someone already on your member list keeps theirs."
        ),
    )

    field_order = ["first_name", "last_name", "email", "location", "is_owner"]

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, locations=locations, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(
            pk__in=[location.pk for location in self.locations]
        )
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        if not self.grants() and not data.get("is_owner"):
            raise forms.ValidationError(
                gettext("Give them at least one permission at one location, or make them owner.")
            )
        return data
