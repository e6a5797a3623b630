"""Account deletion (R5.3) erases the person's name from admin notices about
them, whole words only: a short name is not cut out of other words."""

import pytest

from members.actions.personal_data import account_delete
from members.policy import DELETED_NAME
from notifications.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_short_name_is_erased_as_a_word_not_inside_other_words(cast):
    al = f.PortalMemberFactory(
        location=cast.harbour, company=cast.acme, first_name="Al", last_name="", email="al@x.test"
    )
    notice = Notification.objects.create(
        organization=cast.org,
        location=cast.harbour,
        recipient=cast.owner,
        kind=Notification.Kind.STATUS_CHANGED,
        member=al,
        message="Al (al@x.test) moved to Almere: totally Former. Al.",
    )
    account_delete(user=al.user)
    notice.refresh_from_db()
    assert notice.message == (
        f"{DELETED_NAME} ({DELETED_NAME}) moved to Almere: totally Former. {DELETED_NAME}."
    )
