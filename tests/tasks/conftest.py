import pytest

from tests.helpers import tiny_wordpiece


@pytest.fixture(scope="session")
def wordpiece(tmp_path_factory):
    """The tiny hand-written WordPiece tokenizer of tests/helpers.py (ids in ``TOKEN_ID``)."""
    return tiny_wordpiece(tmp_path_factory.mktemp("wordpiece"))
