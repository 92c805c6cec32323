"""The report: syntactic vs semantic intermediate training, read back from the MLflow tracking store.

The set of runs is the run ids recorded in ``results/<model>/<task>/seed<S>/{intermediate,target,evaluate}.json``
for exactly the cells of ``cfg.grid`` (DVC may restore those files from its run-cache without running
anything, so the files, not a search, say which runs count). Their status, tags and metrics are read in
batched searches, the per-example predictions once per evaluate run from its ``predictions.parquet``
artifact. Any gap is a loud :class:`XstiltsError` naming what is missing and the command that produces it:
the report never shows an empty or silently partial table.

The target runs' per-epoch zero-shot XNLI (``epoch_xnli_<split>_acc_<lang>``) is read in one batched
history query; runs without it (older runs) make their section say "not logged", not a failure.

One source of numbers: :mod:`xstilts.report.analysis` computes one plain-JSON dict (numbers unrounded),
written as ``analysis.json``; the Markdown (:mod:`xstilts.report.markdown`) and the figures
(:mod:`xstilts.report.figures`) are drawn from that dict only, so ``markdown.render(json.load(...))``
gives the Markdown again. The deviation table (:mod:`xstilts.report.protocol`) reads the published
protocols from ``protocols.yaml`` beside it; checkpoint selection is :mod:`xstilts.report.selection`.

Outputs in ``out_dir``: ``xnli_syntactic_vs_semantic.md`` (the analysis), ``analysis.json`` (every number
the Markdown shows), ``xnli_results.csv`` (one row per evaluate run x split x language), ``metrics.json``
(numbers only, for ``dvc metrics show``), ``figures/*.png`` and ``plots/`` (the data of ``dvc plots``,
:mod:`xstilts.report.plots`); all of them are then logged as the artifacts of one MLflow run of phase
``report``. These files are git-tracked and hold no run id and no date, so an unchanged grid re-run writes
them byte for byte again; the run ids (of the cells' runs and of the report run) are in ``runs.json``, a
DVC-cached output that git ignores.
"""

from xstilts.report.build import run

__all__ = ["run"]
