from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from members.selectors import member_for_user


def portal_view(view):
    """Member portal pages: the logged-in user's member record in the URL's
    organization, with portal access. Sets ``request.member``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.member = member_for_user(user=request.user, organization=request.organization)
        if request.member is None or not request.member.can_use_portal:
            raise Http404("No member portal access in this organization.")
        return view(request, *args, **kwargs)

    return wrapper
