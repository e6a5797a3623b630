"""Reading the translation catalogs without GNU gettext.

A fresh machine (``make run``) may have no msgfmt, so the compiled .mo
files are committed; the tests check them against the .po sources with
this reader of .po files and the standard library's reader of .mo files
(gettext.GNUTranslations), which is what Django itself loads them with.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po file (the header, msgid "", included)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish():
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            if (
                match.group(1) in ("msgctxt", "msgid")
                and started
                and target[0].startswith("msgstr")
            ):
                finish()
            keyword, index, text = match.groups()
            started = True
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
            else:
                target = (keyword, None)
            _append(entry, target, ast.literal_eval(text))
        elif line.startswith('"') and target is not None:
            _append(entry, target, ast.literal_eval(line))
    finish()
    return [e for e in entries if not e.obsolete]


def _append(entry: Entry, target, text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def po_catalog(path: Path) -> dict:
    """What msgfmt would compile from ``path``: GNUTranslations' own shape
    (plural forms keyed by (msgid, n)); untranslated and fuzzy entries are
    left out, as msgfmt leaves them out."""
    catalog = {}
    for entry in read_po(path):
        if entry.msgid == "" or not entry.translated or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            catalog[entry.key] = entry.msgstr[0]
        else:
            for n, text in entry.msgstr.items():
                catalog[(entry.key, n)] = text
    return catalog


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as file:
        translations = gettext.GNUTranslations(file)
    return {key: value for key, value in translations._catalog.items() if key != ""}


def po_files() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
