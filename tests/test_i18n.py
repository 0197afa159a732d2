"""The English catalogue is complete: every Vietnamese string that the templates and the label
tables show has a non-empty English translation, so a new string cannot ship untranslated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from workflows.i18n import LABELS, label, translations

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _extracted() -> dict[str, str]:
    """msgid → where it was found, with the same methods and keywords as `make i18n` (babel.cfg)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: dict[str, str] = {}
    sources = [("templates", [("**.html", "jinja2")]), ("workflows", [("i18n.py", "python")])]
    for folder, method_map in sources:
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=keywords  # type: ignore[arg-type]
        ):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault(msgid, f"{folder}/{filename}")
    return found


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale="en") if m.id and not m.fuzzy}


def test_every_extracted_string_has_an_english_translation() -> None:
    extracted = _extracted()
    assert len(extracted) > 200  # the extraction itself works (templates and label tables)
    catalogue = _catalogue()
    missing = sorted(f"{where}: {msgid}" for msgid, where in extracted.items() if not catalogue.get(msgid, "").strip())
    assert not missing, "untranslated (run `make i18n`, then translate):\n" + "\n".join(missing)


def test_every_label_is_translated() -> None:
    for group, table in LABELS.items():
        for value, vietnamese in table.items():
            english = label(group, value, "en")
            assert english != vietnamese, f"{group}.{value}"


def test_placeholders_survive_translation() -> None:
    import re

    for msgid, english in _catalogue().items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", english)), msgid


def test_vietnamese_is_the_default_and_english_is_remembered(client: TestClient) -> None:
    assert 'lang="vi"' in client.get("/lookup").text
    assert "Tra cứu hồ sơ" in client.get("/lookup").text
    r = client.get("/lookup", params={"lang": "en"})
    assert "Look up a case" in r.text
    assert "donthu_lang=en" in r.headers.get("set-cookie", "")
    assert "Look up a case" in client.get("/lookup").text
    assert "Tra cứu hồ sơ" in client.get("/lookup", params={"lang": "vi"}).text
    assert translations("en").gettext("Quá hạn") == "Overdue"
