"""Typological facts about the XNLI languages, for the report: syntactic distance from English, word order
and script.

Syntactic distance and word order are read from URIEL (Littell, Mortensen, Lin, Kairis, Turner and Levin,
"URIEL and lang2vec: Representing Languages as Typological, Geographical, and Phylogenetic Vectors", EACL
2017), in the data files that the ``lang2vec`` package (PyPI, 1.1.2) ships; this module reads the files
itself because ``import lang2vec.lang2vec`` needs ``pkg_resources``, which setuptools >= 81 no longer has:

- ``feature_predictions.npz``: arrays ``langs`` (ISO 639-3 codes), ``feats`` (289 feature names),
  ``sources`` (``["predicted"]``) and ``data[language, feature, source]``: URIEL's features with the gaps
  imputed by k-nearest neighbours. lang2vec's ``syntax_knn`` vector is the features whose name starts with
  ``S_`` (103 syntactic features from WALS, SSWL and Ethnologue). The **syntactic distance** of a language
  from English is the cosine distance of their ``syntax_knn`` vectors, as URIEL defines its syntactic
  distance.
- ``features.npz``: the same layout with the observed values per source (``-1`` = not given there).
  **Word order** is read from the WALS source's features ``S_SVO``, ``S_SOV``, ``S_VSO``, ``S_VOS``,
  ``S_OVS``, ``S_OSV`` (lang2vec's ``syntax_wals``): every order marked 1, joined with ``/`` (e.g. German
  ``SVO/SOV``: no single dominant order); "not in WALS" when none is given.

XNLI codes are mapped to the ISO 639-3 codes under which URIEL holds the variety that XNLI uses (Arabic:
Standard Arabic ``arb``; Swahili: ``swh``; Chinese: Mandarin ``cmn``).

Script (not in URIEL): the ISO 15924 code of each language's Unicode CLDR likely-subtags entry
(https://github.com/unicode-org/cldr, ``common/supplemental/likelySubtags.xml``): en_Latn, ar_Arab,
bg_Cyrl, de_Latn, el_Grek, es_Latn, fr_Latn, hi_Deva, ru_Cyrl, sw_Latn, th_Thai, tr_Latn, ur_Arab, vi_Latn,
zh_Hans (XNLI's Chinese is Simplified).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xstilts.errors import XstiltsError

URIEL_SOURCE = ("URIEL (Littell et al. 2017, EACL), data files of the lang2vec 1.1.2 package: "
                "syntax_knn (feature_predictions.npz) and syntax_wals (features.npz, source WALS)")
DISTANCE_DEFINITION = "cosine distance of the URIEL syntax_knn vectors (103 syntactic features, k-NN imputed)"
WORD_ORDER_SOURCE = "URIEL syntax_wals: WALS features S_SVO … S_OSV (Dryer 2013, WALS 81A), read from lang2vec's data"
SCRIPT_SOURCE = "ISO 15924 script of the Unicode CLDR likely subtags"
ORDERS = ("SVO", "SOV", "VSO", "VOS", "OVS", "OSV")
NOT_IN_WALS = "not in WALS"
REFERENCE = "en"


@dataclass(frozen=True)
class Language:
    code: str  # XNLI / ISO 639-1 code
    name: str
    iso639_3: str  # the code URIEL holds the language under
    script: str  # script name
    iso15924: str

    @property
    def latin(self) -> bool:
        return self.iso15924 == "Latn"


LANGUAGES = {
    lang.code: lang
    for lang in (
        Language("en", "English", "eng", "Latin", "Latn"),
        Language("ar", "Arabic (Standard)", "arb", "Arabic", "Arab"),
        Language("bg", "Bulgarian", "bul", "Cyrillic", "Cyrl"),
        Language("de", "German", "deu", "Latin", "Latn"),
        Language("el", "Greek (Modern)", "ell", "Greek", "Grek"),
        Language("es", "Spanish", "spa", "Latin", "Latn"),
        Language("fr", "French", "fra", "Latin", "Latn"),
        Language("hi", "Hindi", "hin", "Devanagari", "Deva"),
        Language("ru", "Russian", "rus", "Cyrillic", "Cyrl"),
        Language("sw", "Swahili", "swh", "Latin", "Latn"),
        Language("th", "Thai", "tha", "Thai", "Thai"),
        Language("tr", "Turkish", "tur", "Latin", "Latn"),
        Language("ur", "Urdu", "urd", "Arabic (Urdu alphabet)", "Arab"),
        Language("vi", "Vietnamese", "vie", "Latin", "Latn"),
        Language("zh", "Chinese (Mandarin)", "cmn", "Han (Simplified)", "Hans"),
    )
}


def get(code: str) -> Language | None:
    """Facts about ``code``; None for a language outside the table (the report then marks it unknown)."""
    return LANGUAGES.get(code)


@dataclass(frozen=True)
class _Uriel:
    index: dict[str, int]  # ISO 639-3 -> row
    syntax_knn: np.ndarray  # [languages, syntactic features]
    wals_orders: np.ndarray  # [languages, 6]: ORDERS as WALS gives them (-1 = not given)


def _data_dir() -> Path:
    """lang2vec's data directory, found through the installed distribution's files: not by importing
    lang2vec (``lang2vec.lang2vec`` needs pkg_resources), and not by the module search path either, where a
    console script's own directory comes first and lang2vec installs a script ``lang2vec.py`` there."""
    from importlib import metadata

    try:
        files = metadata.distribution("lang2vec").files or []
    except metadata.PackageNotFoundError:
        files = []
    found = [f for f in files if f.as_posix() == "lang2vec/data/feature_predictions.npz"]
    if not found:
        raise XstiltsError("the typology analysis needs the URIEL data of the lang2vec package: "
                           "pip install 'lang2vec>=1.1'")
    return Path(found[0].locate()).parent


@functools.cache
def _uriel() -> _Uriel:
    data = _data_dir()
    try:
        predicted = np.load(data / "feature_predictions.npz", allow_pickle=False)
        observed = np.load(data / "features.npz", allow_pickle=False)
        feats, langs = [str(f) for f in predicted["feats"]], [str(x) for x in predicted["langs"]]
        syntax = [i for i, name in enumerate(feats) if name.startswith("S_")]
        knn = np.asarray(predicted["data"][:, syntax, 0], float)
        ofeats, olangs = [str(f) for f in observed["feats"]], [str(x) for x in observed["langs"]]
        wals = [str(s) for s in observed["sources"]].index("WALS")
        orders = np.asarray(observed["data"][:, [ofeats.index(f"S_{o}") for o in ORDERS], wals], float)
    except (OSError, KeyError, ValueError) as err:
        raise XstiltsError(f"{data}: not the URIEL data of lang2vec 1.1 ({err}); reinstall lang2vec") from None
    if olangs != langs:
        raise XstiltsError(f"{data}: features.npz and feature_predictions.npz list different languages")
    return _Uriel({code: i for i, code in enumerate(langs)}, knn, orders)


def _row(code: str) -> int | None:
    lang = get(code)
    return None if lang is None else _uriel().index.get(lang.iso639_3)


def syntax_vector(code: str) -> np.ndarray | None:
    """URIEL ``syntax_knn`` vector of ``code`` (None for a language outside the table or URIEL)."""
    row = _row(code)
    return None if row is None else _uriel().syntax_knn[row]


def syntactic_distance(code: str, reference: str = REFERENCE) -> float | None:
    """Cosine distance between the ``syntax_knn`` vectors of ``code`` and ``reference`` (0 = the same)."""
    a, b = syntax_vector(code), syntax_vector(reference)
    if a is None or b is None:
        return None
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return None if norm == 0 else max(0.0, float(1 - np.dot(a, b) / norm))


def word_order(code: str) -> str:
    """WALS's order(s) of subject, object and verb for ``code``, e.g. ``SVO`` or ``SVO/SOV``."""
    row = _row(code)
    if row is None:
        return "unknown"
    marked = [order for order, value in zip(ORDERS, _uriel().wals_orders[row], strict=True) if value == 1]
    return "/".join(marked) if marked else NOT_IN_WALS


def groups(languages: list[str] | tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """Language groups among ``languages``: ``{"word order (WALS)": {"SVO": [...], ...}, "script": {...}}``."""
    out: dict[str, dict[str, list[str]]] = {"word order (WALS)": {}, "script": {}}
    for code in languages:
        lang = get(code)
        script = ("Latin" if lang.latin else "other scripts") if lang else "unknown"
        out["word order (WALS)"].setdefault(word_order(code), []).append(code)
        out["script"].setdefault(script, []).append(code)
    return out
