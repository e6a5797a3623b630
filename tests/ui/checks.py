"""What every page must pass, in a real browser: no sideways page scroll,
tappable controls on a phone, and no serious or critical axe-core finding.

axe-core comes bundled in axe-playwright-python and is injected from disk:
no network is needed.
"""

import re
from urllib.parse import parse_qsl, urlsplit

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()
# axe's default rule set (WCAG 2.0-2.2 A and AA, and best practices).
AXE_OPTIONS = {"resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}
MIN_TARGET_PX = 44

# Not pages to look at: leaving, files, another site's admin.
SKIPPED_PATHS = (
    re.compile(r"^/accounts/logout/"),
    re.compile(r"^/support/"),
    re.compile(r"^/static/"),
    re.compile(r"^/media/"),
    re.compile(r"^/o/[^/]+/photos/"),
    re.compile(r"^/o/[^/]+/admin/attachments/\d+/$"),
)


def overflow(page) -> str | None:
    """Why the page scrolls sideways, or None."""
    return page.evaluate(
        """() => {
        const root = document.documentElement;
        if (root.scrollWidth <= root.clientWidth) return null;
        const wide = [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
          .slice(0, 5)
          .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
               + (typeof e.className === "string" && e.className.trim()
                  ? "." + e.className.trim().split(/\\s+/).join(".") : ""));
        return `page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window; `
          + `sticking out: ${wide.join(", ")}`;
    }"""
    )


def small_targets(page) -> list[str]:
    """Visible controls smaller than a fingertip (44 px): buttons, form
    fields, button-like links and the navigation. Links inside a sentence
    are exempt, as in WCAG's target-size rule."""
    return page.evaluate(
        """(min) => {
        const selector = 'button, select, textarea, summary, a.button, header a, header button, '
          + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), label.choice';
        return [...document.querySelectorAll(selector)]
          .filter((e) => e.offsetParent !== null || getComputedStyle(e).position === "fixed")
          .filter((e) => !e.closest(".visually-hidden, .skip-link"))
          .map((e) => [e, e.getBoundingClientRect()])
          .filter(([e, r]) => r.width > 0 && (r.height < min - 0.5 || r.width < min - 0.5))
          .map(([e, r]) => {
            const name = (e.innerText || e.value || e.name || "").trim().slice(0, 40);
            const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
            return `${e.tagName.toLowerCase()} "${name}" ${size}`;
          });
    }""",
        MIN_TARGET_PX,
    )


def axe_violations(page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = "; ".join(
            " ".join(node["target"]) + " " + node["html"][:120] for node in violation["nodes"][:4]
        )
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def shape(url: str) -> str:
    """One page per kind of page: ids and query values do not count."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def links(page, origin: str) -> list[str]:
    """Same-origin pages linked from this one (GET, no downloads)."""
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "els => els.map((a) => a.href.split('#')[0])"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if any(pattern.search(parts.path) for pattern in SKIPPED_PATHS):
            continue
        found.append(href)
    return found
