"""Recording a directory export (R6.1): who took which rows out, with
which filter, and how many."""

from django.db import transaction

from audit import log
from audit.models import Verb, Via

#: What an export's entry says in place of the words searched for.
SEARCHED = "(a search)"


@transaction.atomic
def directory_export_record(
    *, organization, actor, tab: str, filters: dict, rows: int, via: str = Via.ADMIN
):
    """Writes the ``export.created`` entry of an export about to stream.

    The search words are not kept, only that there were some: a search is
    often a person's name, and an export entry belongs to no member record,
    so erasing that person could not reach it."""
    kept = {name: value for name, value in filters.items() if name != "q"}
    if filters.get("q"):
        kept["q"] = SEARCHED
    return log.record(
        verb=Verb.EXPORT_CREATED,
        via=via,
        actor=actor,
        organization=organization,
        after={"tab": tab, "filters": kept, "rows": rows},
    )
