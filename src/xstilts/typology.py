"""Typological facts about the 15 XNLI languages, for the report's breakdown by language group.

Word order: WALS feature 81A "Order of Subject, Object and Verb" (Dryer, Matthew S. 2013. In Dryer &
Haspelmath (eds.), The World Atlas of Language Structures Online, https://wals.info/feature/81A). WALS
value codes: 1 SOV, 2 SVO, 3 VSO, 4 VOS, 5 OVS, 6 OSV, 7 "No dominant order". ``wals`` names the WALS
language the value belongs to (WALS describes varieties: XNLI's Arabic is Modern Standard Arabic, which
WALS codes VSO, while e.g. Egyptian Arabic is coded SVO).

``verified`` says whether the value was read in this project from the WALS CLDF release itself
(github.com/cldf-datasets/wals, ``cldf/values.csv`` at commit 014143f, rows ``81A-<wals code>``). The
other values are WALS's as commonly cited (e.g. Dryer's chapter and derived listings) but were not
re-read from that file here; treat them as such.

Script: the script each language's XNLI text is written in, as the ISO 15924 code of its Unicode CLDR
likely-subtags entry (https://github.com/unicode-org/cldr, ``common/supplemental/likelySubtags.xml``):
en_Latn, ar_Arab, bg_Cyrl, de_Latn, el_Grek, es_Latn, fr_Latn, hi_Deva, ru_Cyrl, sw_Latn, th_Thai,
tr_Latn, ur_Arab, vi_Latn, zh_Hans (XNLI's Chinese is Simplified).
"""

from __future__ import annotations

from dataclasses import dataclass

WORD_ORDER_SOURCE = "WALS 81A (Dryer 2013), https://wals.info/feature/81A"
SCRIPT_SOURCE = "ISO 15924 script of the Unicode CLDR likely subtags"
NO_DOMINANT_ORDER = "no dominant order"


@dataclass(frozen=True)
class Language:
    code: str  # XNLI / ISO 639-1 code
    name: str
    wals: str  # WALS language code whose 81A value is given
    word_order: str  # SOV, SVO, VSO or "no dominant order" (WALS 81A)
    verified: bool  # read from the WALS CLDF values.csv in this project (see the module docstring)
    script: str  # script name
    iso15924: str

    @property
    def latin(self) -> bool:
        return self.iso15924 == "Latn"


LANGUAGES = {
    lang.code: lang
    for lang in (
        Language("en", "English", "eng", "SVO", False, "Latin", "Latn"),
        Language("ar", "Arabic", "ams", "VSO", True, "Arabic", "Arab"),  # Arabic (Modern Standard): 81A-ams = 3
        Language("bg", "Bulgarian", "bul", "SVO", True, "Cyrillic", "Cyrl"),  # 81A-bul = 2
        Language("de", "German", "ger", NO_DOMINANT_ORDER, True, "Latin", "Latn"),  # 81A-ger = 7 (verb-second)
        Language("el", "Greek", "grk", NO_DOMINANT_ORDER, True, "Greek", "Grek"),  # Greek (Modern): 81A-grk = 7
        Language("es", "Spanish", "spa", "SVO", False, "Latin", "Latn"),
        Language("fr", "French", "fre", "SVO", False, "Latin", "Latn"),
        Language("hi", "Hindi", "hin", "SOV", False, "Devanagari", "Deva"),
        Language("ru", "Russian", "rus", "SVO", False, "Cyrillic", "Cyrl"),
        Language("sw", "Swahili", "swa", "SVO", False, "Latin", "Latn"),
        Language("th", "Thai", "tha", "SVO", False, "Thai", "Thai"),
        Language("tr", "Turkish", "tur", "SOV", False, "Latin", "Latn"),
        Language("ur", "Urdu", "urd", "SOV", True, "Arabic (Urdu alphabet)", "Arab"),  # 81A-urd = 1
        Language("vi", "Vietnamese", "vie", "SVO", False, "Latin", "Latn"),
        Language("zh", "Chinese (Mandarin)", "mnd", "SVO", False, "Han (Simplified)", "Hans"),
    )
}


def get(code: str) -> Language | None:
    """Facts about ``code``; None for a language outside the table (the report then marks it unknown)."""
    return LANGUAGES.get(code)


def groups(languages: list[str] | tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """Language groups among ``languages``: ``{"word order": {"SVO": [...], ...}, "script": {...}}``."""
    out: dict[str, dict[str, list[str]]] = {"word order (WALS 81A)": {}, "script": {}}
    for code in languages:
        lang = get(code)
        order = lang.word_order if lang else "unknown"
        script = ("Latin" if lang.latin else "other scripts") if lang else "unknown"
        out["word order (WALS 81A)"].setdefault(order, []).append(code)
        out["script"].setdefault(script, []).append(code)
    return out
