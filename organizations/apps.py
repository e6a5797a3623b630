from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = gettext_lazy("Organizations and locations")
