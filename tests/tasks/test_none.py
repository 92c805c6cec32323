"""The baseline task (xstilts.tasks.none): nothing to train, encode, predict or write."""

import pytest

from xstilts.tasks import get
from xstilts.tasks.none import TASK


def test_the_baseline_declares_nothing_to_train():
    assert get("none") is TASK
    assert (TASK.family, TASK.head, TASK.dev_metric) == ("baseline", None, None)
    assert (TASK.train_split, TASK.dev_split) == (None, None)
    assert TASK.label_vocab(None) == [] and TASK.head_options([]) == {}
    assert TASK.write_predictions([], None, "unused") == []
    with pytest.raises(NotImplementedError):
        TASK.encode({}, None, 8, [])
