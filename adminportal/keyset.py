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

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL


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
    after, before = params.get("after"), params.get("before")
    anchor = _anchor(queryset, keys, after or before) if after or before else None
    if anchor is None:
        rows = list(queryset.order_by(*ordering)[: size + 1])
    else:
        rows = list(seek(queryset, ordering, anchor, after=bool(after))[: size + 1])
    return _page(rows, params, size=size, anchor=anchor, after=bool(after))


def _page(rows: list, params, *, size: int, anchor, after: bool) -> KeysetPage:
    """The page of ``rows`` (up to ``size + 1`` read after the anchor, or
    before it in reverse order) with its links."""
    base = params.copy()
    for name in ("after", "before", "page"):
        base.pop(name, None)
    if anchor is None:
        more_before, more_after = False, len(rows) > size
        rows = rows[:size]
        first_query = None
    elif after:
        more_before, more_after = True, len(rows) > size
        rows = rows[:size]
        first_query = base.urlencode()
    else:
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


#: Groups a grouped page walks before sorting what is left the plain way.
GROUPS_WALKED = 100


def grouped_page(
    queryset: QuerySet,
    ordering: list[str],
    params,
    *,
    size: int,
    annotate: dict,
    group: str,
    groups: QuerySet,
) -> KeysetPage:
    """``keyset_page`` for a sort by a foreign key's name: ``ordering`` is
    (the ``group``'s name, its id, then the row's own keys), members of one
    company or location together, rows without one first.

    One query sorting every row by its group's name reads the whole tab
    (85 ms at 60,000 members, whatever the page). On PostgreSQL the page is
    read the other way round: the rows without a group or in the anchor's
    group, by an index in their own order; then up to ``GROUPS_WALKED`` of
    the following ``groups`` in name order, each group's rows by an index,
    stopping once the page is full (a LATERAL join). A filter few rows
    match can leave the page short after that walk: the rest is read with
    the plain sort, which is quick for few rows. Then the page's rows by id.
    Other databases (SQLite, for ``make run``) sort as ``keyset_page``
    does; the order is the same."""
    if connection.vendor != "postgresql":
        return keyset_page(queryset, ordering, params, size=size, annotate=annotate)
    keyed = queryset.annotate(**annotate)
    keys, descending = order_keys(ordering)
    assert not descending, "a grouped sort reads forwards"
    own = ordering[2:]
    after, before = params.get("after"), params.get("before")
    asked = after or before
    anchor = _anchor(keyed, keys, asked) if asked else None
    forwards = anchor is None or bool(after)
    want = size + 1
    found: list[tuple] = []  # the page's rows' keys, in the page's direction

    def read(rows: QuerySet, start=None):
        """``rows`` in the page's direction, from ``start`` (their own keys) on."""
        if start is None:
            rows = rows.order_by(*(own if forwards else _flip(own)))
        else:
            rows = seek(rows, own, start, after=forwards)
        found.extend(rows.values_list(*keys)[: want - len(found)])

    ungrouped = keyed.filter(**{f"{group}__isnull": True})
    optional = queryset.model._meta.get_field(group).null
    if anchor is None:
        if optional:
            read(ungrouped)
        current = ("", 0)
    else:
        name, key, *start = anchor
        read(ungrouped if key == 0 else keyed.filter(**{f"{group}_id": key}), start)
        current = (name, key)
    if len(found) < want and (forwards or current[1] != 0):
        found.extend(_lateral(keyed, keys, group, groups, current, want - len(found), forwards))
    if len(found) < want:
        # Past the walked groups: what is left, sorted the plain way.
        last = found[-1] if found else anchor
        rest = keyed.order_by(*ordering)
        if last:
            rest = seek(keyed, ordering, list(last), after=forwards)
        found.extend(rest.values_list(*keys)[: want - len(found)])
    ids = [row[-1] for row in found]
    rows = queryset.in_bulk(ids)
    return _page(
        [rows[pk] for pk in ids if pk in rows], params, size=size, anchor=anchor, after=bool(after)
    )


def _lateral(keyed, keys, group, groups, current, limit: int, forwards: bool) -> list[tuple]:
    """The keys of the first ``limit`` rows of ``keyed`` in the (at most
    ``GROUPS_WALKED``) groups after ``current`` (name, id), or before it,
    in the page's order."""
    own = keys[2:]
    walked = groups.filter(_key_after(["name", "id"], list(current), not forwards))
    walked = walked.order_by(*(["name", "id"] if forwards else ["-name", "-id"]))
    group_sql, group_params = walked.values("name", "id")[:GROUPS_WALKED].query.sql_with_params()
    rows = (
        keyed.filter(**{f"{group}_id": RawSQL('"sort_group"."id"', ())})
        .order_by(*(own if forwards else _flip(own)))
        .values(*own)[:limit]
    )
    row_sql, row_params = rows.query.sql_with_params()
    direction = "ASC" if forwards else "DESC"
    columns = [
        '"sort_group"."name"',
        '"sort_group"."id"',
        *(f'"sorted"."{name}"' for name in own),
    ]
    order = ", ".join(f"{column} {direction}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {", ".join(columns)} FROM ({group_sql}) AS "sort_group" '
            f'CROSS JOIN LATERAL ({row_sql}) AS "sorted" ORDER BY {order} LIMIT %s',
            (*group_params, *row_params, limit),
        )
        return [tuple(row) for row in cursor.fetchall()]


def chunks(queryset: QuerySet, ordering: list[str], *, size: int, annotate: dict | None = None):
    """Every row of ``queryset`` in ``ordering``, as lists of ``size`` rows
    read one query each (each seeks after the last row of the one before):
    a streamed export holds one chunk in memory, never the whole list. Rows
    may be model instances or ``values()`` dicts holding the sort keys."""
    if annotate:
        queryset = queryset.annotate(**annotate)
    keys, _ = order_keys(ordering)
    chunk = list(queryset.order_by(*ordering)[:size])
    while chunk:
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1]
        values = [_value(last, key) for key in keys]
        chunk = list(seek(queryset, ordering, values)[:size])


def _value(row, key: str):
    if isinstance(row, dict):
        return row[key]
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value
