"""Recording a directory export (R6.1): who took which rows out, with
which filter, and how many."""

from django.db import transaction

from audit import log
from audit.models import Verb, Via


@transaction.atomic
def directory_export_record(
    *, organization, actor, tab: str, filters: dict, rows: int, via: str = Via.ADMIN
):
    """Writes the ``export.created`` entry of an export about to stream."""
    return log.record(
        verb=Verb.EXPORT_CREATED,
        via=via,
        actor=actor,
        organization=organization,
        after={"tab": tab, "filters": filters, "rows": rows},
    )
