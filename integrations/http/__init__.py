"""What every vendor's client is built from: plain Python and httpx, no Django.

- :mod:`.errors`: :class:`DeliveryError` (permanent or not) and
  :class:`ConfigurationError`, the only exceptions a client raises.
- :mod:`.base`: :class:`Person` (the member as remotes see them),
  :func:`make_http_client` and :func:`send` (timeouts, no redirects, every failure
  classified) and :class:`BaseClient`.
- :mod:`.addresses`: the guard that keeps connections to public addresses.
"""

from .base import BaseClient, Client, ClientOptions, Person, make_http_client, send
from .errors import ConfigurationError, DeliveryError, ReceiverGone, Throttled, pauses_connection

__all__ = [
    "BaseClient",
    "Client",
    "ClientOptions",
    "ConfigurationError",
    "DeliveryError",
    "Person",
    "ReceiverGone",
    "Throttled",
    "make_http_client",
    "pauses_connection",
    "send",
]
