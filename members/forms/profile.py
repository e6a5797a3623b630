"""The member's own profile form (R5)."""

from django import forms
from django.utils.translation import gettext_lazy

from uploads.images import MAX_PIXELS

from ..fields import column_field
from ..models import Member
from ..photo_files import STORED_SIDE


class ProfileForm(forms.Form):
    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    phone = column_field(Member, "phone")
    photo = forms.FileField(
        required=False,
        help_text=gettext_lazy(
            "PNG or JPG, up to 10 MB and %(max_pixels)s megapixels. It is"
            " stored at most %(stored_side)s pixels wide, without the "
            "camera's data (location, time)."
        )
        % {"max_pixels": MAX_PIXELS // 1_000_000, "stored_side": STORED_SIDE},
    )
    remove_photo = forms.BooleanField(required=False, label=gettext_lazy("Remove my photo"))
