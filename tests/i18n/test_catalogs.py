"""German and Spanish are complete (issue 16, item 5).

Fails when a message has no translation (or a fuzzy one), when a
translation loses or invents a placeholder, when the committed .mo files
are not what the .po files compile to, and when the code holds a
translatable string the catalogs do not have yet (``make messages``, then
translate it).
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import require_or_skip

from .catalog import LOCALE, mo_catalog, po_catalog, po_files, read_po

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|\{[a-z_0-9]+\}")


def test_there_is_a_catalog_for_every_language():
    assert sorted(path.parts[-3] for path in po_files()) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500  # the catalog itself, not an empty stand-in
    untranslated = [e.msgid for e in entries if e.msgid and not e.translated]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], f"{language}: no translation for {untranslated[:10]}"
    assert fuzzy == [], f"{language}: fuzzy (check and unmark) {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    for entry in read_po(LOCALE / language / "LC_MESSAGES" / "django.po"):
        if not entry.msgid:
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            assert set(PLACEHOLDER.findall(text)) == wanted, (language, entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    """Read with the standard library, not msgfmt: a machine without GNU
    gettext still checks that someone ran ``make messages`` after editing."""
    folder = LOCALE / language / "LC_MESSAGES"
    assert (folder / "django.mo").exists(), "run `make messages` and commit the .mo"
    assert mo_catalog(folder / "django.mo") == po_catalog(folder / "django.po")


def test_the_catalogs_hold_every_string_of_the_code(tmp_path, settings, monkeypatch):
    """What `make messages` would extract today, merged into copies of the
    catalogs: a new string comes in untranslated, a changed one fuzzy, a
    removed one obsolete. Any of those fails here.

    makemessages writes to the ``locale`` folder above each source file, so
    it runs in a tree of links to the sources beside the copies, never
    beside the real catalogs."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        require_or_skip("GNU gettext (xgettext, msgmerge) is not installed")
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    sources = tmp_path / "sources"
    sources.mkdir()
    for item in base.iterdir():
        if item.name not in {"locale", ".venv", ".git", "tests", "bench", "static", "var"}:
            (sources / item.name).symlink_to(item)
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(sources)
    before = {path: path.read_bytes() for path in LOCALE.rglob("django.*")}
    call_command(
        "makemessages",
        locale=LANGUAGES,
        no_location=True,
        symlinks=True,
        ignore_patterns=[".venv/*", "tests/*", "bench/*", "static/*"],
        verbosity=0,
    )
    assert {path: path.read_bytes() for path in LOCALE.rglob("django.*")} == before
    for language in LANGUAGES:
        fresh = read_po(copy / language / "LC_MESSAGES" / "django.po")
        new = [e.msgid for e in fresh if e.msgid and not e.translated]
        changed = [e.msgid for e in fresh if "fuzzy" in e.flags]
        assert new == [], f"{language}: new strings, run `make messages` and translate {new}"
        assert changed == [], f"{language}: changed strings, check {changed}"
        committed = {e.key for e in read_po(LOCALE / language / "LC_MESSAGES" / "django.po")}
        gone = committed - {e.key for e in fresh}
        assert gone == set(), f"{language}: no longer in the code, run `make messages`: {gone}"


def test_every_vendor_word_is_marked_for_translation():
    """integrations/vendors stays free of Django; its words are marked in
    integrations/vendor_words.py, which must list each of them."""
    from integrations.vendor_words import WORDS
    from integrations.vendors import registry

    for vendor in registry:
        words = [vendor.label, vendor.base_url_label, vendor.base_url_help]
        for credential in vendor.credentials:
            words += [credential.label, credential.help_text]
        assert {word for word in words if word} <= WORDS, vendor.kind
