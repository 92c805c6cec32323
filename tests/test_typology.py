"""Typology read from URIEL (the data files of the lang2vec package): distances, word orders, groups."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cosine

from xstilts import typology

XNLI = ["en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh"]


def _lang2vec():
    """lang2vec's own query module, or a skip where it cannot be imported (it needs setuptools' pkg_resources)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lang2vec.lang2vec as l2v
    except ImportError as err:
        pytest.skip(f"lang2vec.lang2vec not importable here ({err})")
    return l2v


def test_every_xnli_language_is_in_uriel_with_syntax_and_a_wals_word_order():
    for code in XNLI:
        vector = typology.syntax_vector(code)
        assert vector is not None and vector.shape == (103,) and np.isin(vector, [0.0, 1.0]).all(), code
        assert typology.word_order(code) not in (typology.NOT_IN_WALS, "unknown"), code


def test_the_vectors_are_lang2vecs_syntax_knn():
    l2v = _lang2vec()
    codes = [typology.get(code).iso639_3 for code in XNLI]
    features = l2v.get_features(codes, "syntax_knn")
    for code, iso in zip(XNLI, codes, strict=True):
        np.testing.assert_array_equal(typology.syntax_vector(code), np.array(features[iso], float), err_msg=code)


def test_word_orders_are_the_wals_values_of_lang2vec():
    l2v = _lang2vec()
    for code in XNLI:
        iso = typology.get(code).iso639_3
        table = l2v.get_features([iso], "syntax_wals", header=True)
        marked = [name.removeprefix("S_") for name, value in zip(table["CODE"], table[iso], strict=True)
                  if name.removeprefix("S_") in typology.ORDERS and value == 1.0]
        assert typology.word_order(code) == "/".join(marked), code


def test_word_orders_of_known_languages():
    # WALS 81A: German and Greek have no single dominant order (both orders are marked in URIEL's WALS features)
    expected = {"en": "SVO", "ar": "VSO", "de": "SVO/SOV", "el": "SVO/VSO", "hi": "SOV", "tr": "SOV", "ur": "SOV",
                "zh": "SVO", "sw": "SVO"}
    assert {code: typology.word_order(code) for code in expected} == expected


def test_the_distance_is_the_cosine_distance_from_english():
    english = typology.syntax_vector("en")
    assert typology.syntactic_distance("en") == 0.0
    for code in XNLI[1:]:
        d = typology.syntactic_distance(code)
        assert d == pytest.approx(cosine(english, typology.syntax_vector(code)), abs=1e-12), code
        assert 0 < d < 1, code
    # closer relatives of English are closer: German and Spanish before Hindi, Turkish and Swahili
    assert max(typology.syntactic_distance(c) for c in ("de", "es")) < min(
        typology.syntactic_distance(c) for c in ("hi", "tr", "sw"))
    assert typology.syntactic_distance("ar", reference="ar") == 0.0


def test_a_language_outside_the_table():
    assert typology.get("xx") is None and typology.syntax_vector("xx") is None
    assert typology.syntactic_distance("xx") is None and typology.word_order("xx") == "unknown"
    assert typology.groups(["en", "xx"])["word order (WALS)"] == {"SVO": ["en"], "unknown": ["xx"]}


def test_groups_partition_the_languages():
    groups = typology.groups(XNLI)
    for grouping, by_group in groups.items():
        members = sorted(code for codes in by_group.values() for code in codes)
        assert members == sorted(XNLI), grouping
    assert groups["script"]["Latin"] == ["en", "de", "es", "fr", "sw", "tr", "vi"]
    assert groups["word order (WALS)"]["SOV"] == ["hi", "tr", "ur"]


def test_the_data_is_found_from_a_console_script(tmp_path, monkeypatch):
    # a console script's own directory comes first on sys.path, and lang2vec installs a script lang2vec.py there
    (tmp_path / "lang2vec.py").write_text("raise SystemExit('the script, not the package')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    data = typology._data_dir()
    assert data.name == "data" and data.parent.name == "lang2vec" and (data / "features.npz").is_file()
