"""The member's own profile form (R5)."""

from django import forms

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
        help_text=f"PNG or JPG, up to 10 MB and {MAX_PIXELS // 1_000_000} megapixels. It is "
        f"stored at most {STORED_SIDE} pixels wide, without the camera's data (location, time).",
    )
    remove_photo = forms.BooleanField(required=False, label="Remove my photo")
