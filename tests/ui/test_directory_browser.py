"""The customers directory in a browser (issue 12): a filter survives
opening a member and coming back, and the export downloads a file."""

import csv
import io

import pytest

from tests import factories as f

from .conftest import log_in
from .test_key_actions import fits, press

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_filter_open_a_member_come_back_and_export(width, cast, open_context):
    f.MemberFactory(location=cast.harbour, first_name="Zelda", last_name="Quill")
    page = open_context(width, accept_downloads=True).new_page()
    log_in(page, cast.admin)
    page.goto(f"/o/{cast.org.slug}/admin/members/")
    fits(page)
    page.get_by_label("Search").fill("acme")
    press(page.get_by_role("button", name="Filter"), width)
    assert "q=acme" in page.url
    table = page.locator("table")
    assert table.get_by_role("link", name="Zelda Quill").count() == 0
    press(table.get_by_role("link", name=cast.teammate.full_name), width)
    assert f"/members/{cast.teammate.pk}/" in page.url
    with page.expect_navigation():
        page.go_back()
    assert "q=acme" in page.url
    assert page.get_by_label("Search").input_value() == "acme"
    assert page.locator("table").get_by_role("link", name="Zelda Quill").count() == 0
    fits(page)

    # The member page's own way back keeps the filter too.
    press(page.locator("table").get_by_role("link", name=cast.teammate.full_name), width)
    press(page.get_by_role("link", name="← Members"), width)
    assert "q=acme" in page.url
    assert page.get_by_label("Search").input_value() == "acme"
    assert page.locator("table").get_by_role("link", name="Zelda Quill").count() == 0

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Export CSV").click()
    download = downloaded.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    assert {r["first_name"] for r in rows} == {"Carla", "Bill", "Tess"}
