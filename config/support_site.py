"""The support site (/support/): Django admin behind allauth's login.

Django admin's own login form knows nothing of allauth's rate limits or
second factors, so it is never shown: /support/login/ sends the person to
allauth's login (which counts failed attempts per address and per
connection, asks for the TOTP code of staff who set one up, and refuses a
deactivated login), and every support page first asks that the staff
member has set up TOTP (issue 10, item 4).
"""

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

SET_UP_MFA = gettext_lazy(
    "The support site needs a second factor: set up an authenticator app "
    "(a time-based code) to continue. Keep the recovery codes shown next somewhere safe."
)


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


class SupportSite(admin.AdminSite):
    site_header = gettext_lazy("Flex Community support")
    site_title = gettext_lazy("Flex Community support")

    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                "admin:index", current_app=self.name
            )
            query = urlencode({REDIRECT_FIELD_NAME: next_url})
            return HttpResponseRedirect(f"{resolve_url('account_login')}?{query}")
        if not self.has_permission(request):
            # Logged in, but not staff: nothing here for them.
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def second_factor_first(request, *args, **kwargs):
            logging_out = request.path == reverse("admin:logout", current_app=self.name)
            if self.has_permission(request) and not logging_out and not has_totp(request.user):
                messages.info(request, SET_UP_MFA)
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            # Support staff work across organizations by design, so tenant
            # scoping is off here; the page is rendered inside too (its
            # inline forms read rows as they render).
            with scopes_disabled():
                response = inner(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            return response

        return update_wrapper(second_factor_first, inner)
