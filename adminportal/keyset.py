"""Keyset ("seek") paging for the directory's lists.

OFFSET makes the database walk every row before the page (page 2,000 of
the members list read 100,000 rows). A keyset page starts after or before
one row instead: ``WHERE (sort key) > (that row's key) ORDER BY sort key
LIMIT n``, which an index on the sort key answers by seeking straight to
it, however deep the page. The cost: no "page N of M", only first, next
and previous, each a bookmarkable URL (``?after=<id>`` / ``?before=<id>``).

The anchor row is named by its id and read back (one query) through the
same queryset, so a cursor can only point inside the rows the reader may
see; a cursor to a row that is gone starts again at the first page.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    object_list: list
    #: Query strings (without "?") of the neighbour pages, or "" when none.
    next_query: str = ""
    previous_query: str = ""
    first_query: str | None = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def is_first(self) -> bool:
        return self.first_query is None


def _key_after(keys: list[str], values: list, descending: bool) -> Q:
    """Rows after ``values`` in the order of ``keys`` (all ascending, or all
    descending): (k1 > v1) or (k1 = v1 and k2 > v2) or … The leading
    ``k1 >= v1`` repeats the first arm so the database can seek an index
    on k1 instead of reading it from the start."""
    op = "lt" if descending else "gt"
    op_eq = "lte" if descending else "gte"
    arms = []
    for i, key in enumerate(keys):
        equal = {k: v for k, v in zip(keys[:i], values[:i], strict=True)}
        arms.append(Q(**equal, **{f"{key}__{op}": values[i]}))
    return Q(**{f"{keys[0]}__{op_eq}": values[0]}) & reduce(or_, arms)


def order_keys(ordering: list[str]) -> tuple[list[str], bool]:
    """("-first_name", "-id") → (["first_name", "id"], True). One direction."""
    descending = ordering[0].startswith("-")
    keys = [name.lstrip("-") for name in ordering]
    assert all(name.startswith("-") == descending for name in ordering), ordering
    assert keys[-1] in ("id", "pk"), "the last key must be unique"
    return keys, descending


def _flip(ordering: list[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in ordering]


def seek(queryset: QuerySet, ordering: list[str], anchor_values: list, *, after: bool = True):
    """``queryset`` in ``ordering``, starting after (or, ``after=False``,
    before, in reverse order) the row whose key is ``anchor_values``."""
    keys, descending = order_keys(ordering)
    if after:
        return queryset.filter(_key_after(keys, anchor_values, descending)).order_by(*ordering)
    flipped = _flip(ordering)
    return queryset.filter(_key_after(keys, anchor_values, not descending)).order_by(*flipped)


def _anchor(queryset: QuerySet, keys: list[str], pk) -> list | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    row = queryset.order_by().filter(pk=pk).values_list(*keys).first()
    return list(row) if row is not None else None


def keyset_page(
    queryset: QuerySet, ordering: list[str], params, *, size: int, annotate: dict | None = None
) -> KeysetPage:
    """The page of ``queryset`` that ``params`` (request.GET) asks for.

    ``annotate`` names expressions used as sort keys (they are added to the
    queryset before seeking). Costs one query, plus one to read the anchor
    row when the page is not the first."""
    if annotate:
        queryset = queryset.annotate(**annotate)
    keys, _ = order_keys(ordering)
    base = params.copy()
    for name in ("after", "before", "page"):
        base.pop(name, None)
    after, before = params.get("after"), params.get("before")
    anchor = None
    if after or before:
        anchor = _anchor(queryset, keys, after or before)
    if anchor is None:
        rows = list(queryset.order_by(*ordering)[: size + 1])
        more_before, more_after = False, len(rows) > size
        rows = rows[:size]
        first_query = None
    elif after:
        rows = list(seek(queryset, ordering, anchor)[: size + 1])
        more_before, more_after = True, len(rows) > size
        rows = rows[:size]
        first_query = base.urlencode()
    else:
        rows = list(seek(queryset, ordering, anchor, after=False)[: size + 1])
        more_before, more_after = len(rows) > size, True
        rows = list(reversed(rows[:size]))
        first_query = base.urlencode() if more_before else None

    def link(direction, row):
        query = base.copy()
        query[direction] = str(row.pk)
        return query.urlencode()

    return KeysetPage(
        object_list=rows,
        next_query=link("after", rows[-1]) if rows and more_after else "",
        previous_query=link("before", rows[0]) if rows and more_before else "",
        first_query=first_query,
    )


def chunks(queryset: QuerySet, ordering: list[str], *, size: int, annotate: dict | None = None):
    """Every row of ``queryset`` in ``ordering``, read ``size`` rows per
    query (each chunk seeks after the last row of the one before): a
    streamed export holds one chunk in memory, never the whole list."""
    if annotate:
        queryset = queryset.annotate(**annotate)
    keys, _ = order_keys(ordering)
    chunk = list(queryset.order_by(*ordering)[:size])
    while chunk:
        yield from chunk
        if len(chunk) < size:
            return
        last = chunk[-1]
        values = [_value(last, key) for key in keys]
        chunk = list(seek(queryset, ordering, values)[:size])


def _value(row, key: str):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value
