from django.contrib.admin.apps import AdminConfig


class SupportAdminConfig(AdminConfig):
    """Django admin, served at /support/ for the vendor's support staff, on
    the site that sends its login through allauth (config/support_site.py)."""

    default_site = "config.support_site.SupportSite"
