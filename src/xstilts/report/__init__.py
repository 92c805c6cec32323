"""The report: syntactic vs semantic intermediate training, read back from the MLflow tracking store.

The set of runs is the run ids recorded in ``results/<model>/<task>/seed<S>/{intermediate,target,evaluate}.json``
for exactly the cells of ``cfg.grid`` (DVC may restore those files from its run-cache without running
anything, so the files, not a search, say which runs count). Their status, tags and metrics are read in
batched searches, the per-example predictions once per evaluate run from its ``predictions.parquet``
artifact. Any gap is a loud :class:`XstiltsError` naming what is missing and the command that produces it:
the report never shows an empty or silently partial table.

Outputs in ``out_dir``: ``xnli_syntactic_vs_semantic.md`` (the analysis, :mod:`xstilts.report.markdown`),
``xnli_results.csv`` (one row per evaluate run x split x language), ``metrics.json`` (for ``dvc metrics
show``) and ``figures/*.png`` (:mod:`xstilts.report.figures`); all of them are then logged as the artifacts
of one MLflow run of phase ``report``.
"""

from xstilts.report.build import run

__all__ = ["run"]
