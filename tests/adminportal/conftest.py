import pytest

from members import selectors


@pytest.fixture(params=["walk", "walk to a horizon", "member by member"])
def read_plan(request, monkeypatch):
    """A company's activity and the dashboard's are read one of three ways
    (members/selectors.py ``_newest``): walking the whole history, walking
    only its newest entries (``HORIZON`` of the test's module) and reading
    member by member the pages that the walk left short, or member by
    member from the start. Each must show the same."""
    monkeypatch.setattr(
        selectors, "WALK_FROM_MEMBERS", 10**9 if request.param == "member by member" else 0
    )
    if request.param == "walk to a horizon":
        monkeypatch.setattr(selectors, "WALK_AT_MOST", request.module.HORIZON)
    return request.param
