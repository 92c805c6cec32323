"""Baseline: no intermediate training; the pretrained encoder is passed through unchanged."""

from xstilts.tasks import Task


class Baseline(Task):
    name = "none"
    family = "baseline"
    dev_metric = None


TASK = Baseline()
