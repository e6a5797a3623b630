"""The Approve and Reject links in the admins' email (R8.2).

A link names one request and one decision, signed, so a link cannot be
made up for another request or turned from Reject into Approve; it lasts
as long as a request is worth deciding from the email. It is not a login:
whoever opens it must be logged in as an admin who manages customers at
the member's location, and the decision itself is a POST from the page it
opens (mail scanners follow links with GET).
"""

from datetime import timedelta

from django.core import signing

SALT = "members.approval-decision"
#: After this the email's links stop working; the queue still has the request.
LIFETIME = timedelta(days=14)
DECISIONS = ("approve", "reject")


def decision_token(status_request_id: int, decision: str) -> str:
    if decision not in DECISIONS:
        raise ValueError(decision)
    return signing.TimestampSigner(salt=SALT).sign(f"{status_request_id}:{decision}")


def token_is_valid(token: str, status_request_id: int, decision: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=LIFETIME)
    except signing.BadSignature:
        return False
    return value == f"{status_request_id}:{decision}"
