"""Performance tooling, apart from the research code: ``xstilts bench`` (:mod:`xstilts.perf.bench`), the GPU
bench of the paper-size models (:mod:`xstilts.perf.gpu`, ``scripts/gpu_bench.sh``) and the compute plan
(``xstilts plan``, :mod:`xstilts.perf.plan`). Nothing of the protocol imports this package."""
