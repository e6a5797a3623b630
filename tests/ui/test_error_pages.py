"""The error pages in a browser, at 360 px and at 1280 px: they fit, pass
axe, and their way back is a tappable button that leads somewhere."""

import pytest

from .checks import MIN_TARGET_PX, axe_violations, overflow

pytestmark = pytest.mark.browser

PAGES = [
    # (path, status, heading, way back)
    ("/o/northwind/admin/no-such-page/", 404, "Page not found", "Back to the admin portal"),
    ("/o/northwind/portal/no-such-page/", 404, "Page not found", "Back to the member portal"),
    ("/no/such/page/", 404, "Page not found", "Back to the start page"),
    ("/test-errors/403/", 403, "You are not allowed to do that", "Back to the start page"),
    (
        "/o/northwind/portal/test-errors/403/",
        403,
        "You are not allowed to do that",
        "Back to the member portal",
    ),
    ("/test-errors/403-csrf/", 403, "This form has expired", "Back to the start page"),
    ("/test-errors/429/", 429, "Too many requests", "Back to the start page"),
    (
        "/o/northwind/admin/test-errors/500/",
        500,
        "Something went wrong on our side",
        "Back to the admin portal",
    ),
]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_error_pages_fit_pass_axe_and_lead_back(width, cast, open_context, settings):
    settings.ROOT_URLCONF = "tests.ui.urls"
    page = open_context(width).new_page()
    failures = []
    for path, status, heading, back in PAGES:
        response = page.goto(path)
        assert response.status == status, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert page.get_by_text("request id").is_visible()
        problems = axe_violations(page)
        if overflow(page):
            problems.append(overflow(page))
        link = page.get_by_role("link", name=back)
        box = link.bounding_box()
        if width == "phone" and box["height"] < MIN_TARGET_PX - 0.5:
            problems.append(f"{back} is {box['height']}px tall")
        with page.expect_navigation():
            link.tap() if width == "phone" else link.click()
        if page.title().startswith(("Page not found", "Server error")):
            problems.append(f"{back} leads to another error page: {page.url}")
        failures += [f"{path}: {problem}" for problem in problems]
    assert not failures, "\n".join(failures)
