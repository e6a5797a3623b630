"""Search and pages for the setup lists (locations, plans, admins): an
operator with many of them finds one by typing, as in the directory, and a
page never holds more than ``SETUP_PAGE_SIZE`` rows (issue 13)."""

from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

SETUP_PAGE_SIZE = 50


def search_text(request) -> str:
    """What was typed in the list's search box (``?q=``), trimmed to what a
    name column holds."""
    return request.GET.get("q", "").strip()[:200]


def setup_page(request, rows) -> tuple[Page, str]:
    """The page ``?page=`` asks for (not a number: the first; out of
    range: the last), and the query
    string its pager links keep (the search)."""
    page = Paginator(rows, SETUP_PAGE_SIZE).get_page(request.GET.get("page"))
    query = search_text(request)
    return page, urlencode({"q": query}) if query else ""
