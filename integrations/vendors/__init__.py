"""Every system a connection can be made to: one folder per vendor, registered here.

A vendor's folder holds its client (``client.py``, plain Python and httpx on
:mod:`integrations.http`) and its ``VENDOR``, the :class:`~.base.Vendor` that
describes it: kind, label, category (CRM, access, webhook: what a change sends,
see :mod:`.categories`), default address, credentials. Connection kinds, the
admin form and the delivery pipeline all read this registry, so adding a vendor
is its folder, its tests and one line below (docs/integrations.md, "Where the code
is, and adding a vendor").
"""

from importlib import import_module

from .base import Registry

#: One line per vendor, in the order the admin portal offers them: the folder
#: beside this file whose ``VENDOR`` describes it.
VENDORS = (
    "hubspot",
    "capsule",
    "kisi",
    "papercut",
    "webhook",
)

registry = Registry(import_module(f"{__name__}.{name}").VENDOR for name in VENDORS)


def kind_choices() -> list[tuple[str, str]]:
    """``Connection.kind``'s choices, read from the registry each time they are
    needed: the migration records this function, not the list, so adding a
    vendor needs no migration (and one a test registers counts at once)."""
    return registry.choices()
