"""The bench runs end to end at its tiny size and reports every key; no timing is asserted (timings depend
on the machine and on whatever else runs there)."""

import json
import shutil

from tests.helpers import REPO
from xstilts.perf import bench, common, gpu
from xstilts.perf.shapes import PAPER_SHAPES

CPU_KEYS = {
    "eval_speedup_vs_padded", "eval_examples_per_s", "train_speedup_vs_padded", "train_examples_per_s",
    "train_mfu_cpu", "cpu_matmul_flops", "report_seconds_1k", "report_seconds_2k", "report_seconds_ratio",
    "noop_repro_seconds", "noop_repro_where", "goals", "goals_met", "machine", "date", "train_mfu_cpu_by_hidden",
    "stage_startup_seconds", "stage_startup_cpu_seconds",
}
MODE_KEYS = {
    "train_tokens_per_s", "train_examples_per_s", "train_step_ms", "optimizer_ms", "train_mfu",
    "train_mfu_counting_padding", "train_peak_memory_gib", "eval_examples_per_s", "eval_tokens_per_s",
    "eval_examples_per_s_fp32", "eval_peak_memory_gib",
}


def test_the_cpu_bench_runs_at_tiny_size_and_reports_every_key(workdir):
    shutil.copy(REPO / "dvc.yaml", workdir / "dvc.yaml")  # no dvc.lock here: the stub copy of the DAG is timed
    result = bench.run(device="cpu", size="tiny", repeats=1, repo=workdir)

    assert set(result) >= CPU_KEYS, CPU_KEYS - set(result)
    assert set(result["goals"]) == set(result["goals_met"]) == set(bench.GOALS)
    assert {"cpu", "cores", "torch"} <= set(result["machine"])
    for key in ("eval_speedup_vs_padded", "train_speedup_vs_padded", "train_mfu_cpu", "report_seconds_ratio"):
        assert result[key] > 0, key
    assert set(result["eval_examples_per_s"]) == set(result["train_examples_per_s"]) == {"xstilts", "padded"}
    # dynamic padding must not change what the model predicts (the two eval sides compute the same thing)
    assert result["eval_prediction_agreement"] == 1.0
    assert result["report_runs"][1] == 2 * result["report_runs"][0]
    assert result["noop_repro_seconds"] is not None, result.get("noop_repro_error")
    # a stage's start-up includes the imports of torch and transformers: seconds, not milliseconds; its CPU time
    # cannot exceed what two cores give in that wall time
    assert result["stage_startup_seconds"] is not None, result.get("stage_startup_error")
    assert 1 < result["stage_startup_cpu_seconds"] < 2 * result["stage_startup_seconds"] + 1
    json.dumps(result)  # JSON-able as it is
    table = bench.format_table(result)
    assert "XNLI eval" in table and "no-op dvc repro" in table and "stage start-up" in table
    assert not (workdir / "mlruns").exists()  # the bench's tracking stores live in its temporary directory


def test_the_gpu_bench_code_path_runs_on_cpu_at_tiny_size(tmp_path):
    out = tmp_path / "gpu_bench.json"
    result = gpu.gpu(device="cpu", size="tiny", out=out)

    assert set(result["models"]) == set(PAPER_SHAPES)
    for name, entry in result["models"].items():
        assert entry["non_embedding_params"] < entry["params"], name
        for layout in ("padded", "dynamic", "bucketed"):
            assert set(entry[layout]) >= MODE_KEYS, (name, layout, MODE_KEYS - set(entry[layout]))
        # padded batches carry 128 tokens per pair, dynamic ones only up to the longest pair of the batch,
        # bucketed ones up to the next multiple of 32: in between
        padded, dynamic, bucketed = (
            entry[k]["train_processed_tokens_per_step"] for k in ("padded", "dynamic", "bucketed")
        )
        assert padded == gpu.BATCH_SIZE * gpu.PADDED_LENGTH
        assert dynamic <= bucketed <= padded and dynamic < padded
        # the same examples whatever the layout: the real tokens per step agree exactly
        assert entry["dynamic"]["train_tokens_per_step"] == entry["padded"]["train_tokens_per_step"]
        assert entry["bucketed"]["train_tokens_per_step"] == entry["padded"]["train_tokens_per_step"]
    experiments = result["models"][gpu.GOAL_SHAPE]["experiments"]
    assert set(experiments) == {v.name for v in gpu.EXPERIMENTS}
    for variant in gpu.EXPERIMENTS:
        row = experiments[variant.name]
        if variant.compile:  # compiled variants are CUDA-only; on the CPU they say so
            assert "CUDA" in row["skipped"]
        else:
            assert row["batch_size"] == variant.batch_size and row["train_mfu"] > 0, variant.name
    profiles = result["models"][gpu.GOAL_SHAPE]["profiles"]
    assert set(profiles) == {"padded", "dynamic"} and profiles["padded"]["wall_ms_per_step"] > 0
    assert (tmp_path / "profile_xlm-roberta-large_dynamic.txt").read_text().strip()
    best = result["best_train_mfu"]
    assert best["variant"] and best["counting_padding"]["train_mfu"] >= best["train_mfu"] >= best["at_recipe_batch"]
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert "xlm-roberta-large" in bench.format_table(result) and "compile" in bench.format_table(result)


def test_gpu_experiments_past_the_deadline_are_recorded_as_skipped():
    result = gpu.gpu(device="cpu", size="tiny", only=gpu.GOAL_SHAPE, deadline_s=0)
    rows = result["models"][gpu.GOAL_SHAPE]["experiments"]
    assert all("deadline" in row["skipped"] for row in rows.values())
    assert "dynamic" in result["models"][gpu.GOAL_SHAPE]  # the recipe rows are always measured


def test_xnli_like_lengths_look_like_xnli_pairs():
    import numpy as np

    lengths = gpu.xnli_like_lengths(np.random.default_rng(0), 20_000)
    assert 45 < lengths.mean() < 55 and lengths.max() == gpu.PADDED_LENGTH and lengths.min() >= 8


def test_alternate_flips_the_order_and_reports_medians():
    calls = []
    seconds = {"a": iter([3.0, 1.0, 2.0]), "b": iter([5.0, 4.0, 6.0])}
    sides = {name: (lambda name=name: calls.append(name) or next(seconds[name])) for name in seconds}

    assert bench.alternate(sides, rounds=3) == {"a": 2.0, "b": 5.0}
    assert calls == ["a", "b", "b", "a", "a", "b"]


def test_training_flops_follow_the_6n_plus_attention_rule():
    import torch
    from transformers import BertConfig, BertModel

    from xstilts import heads, models

    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    net = models.encoder_with_head(BertModel(config, add_pooling_layer=False),
                                   heads.build_head("classification", 16, num_labels=3))
    body = sum(p.numel() for n, p in net.encoder.named_parameters() if not n.startswith("embeddings."))
    head = sum(p.numel() for p in net.head.parameters())
    assert body == 2 * (4 * (16 * 16 + 16) + 2 * 16 * 32 + 32 + 16 + 4 * 16)
    expected = 6 * body * (3 + 5) + 12 * 2 * 16 * (9 + 25) + 6 * head * 2
    assert common.training_flops(net, torch.tensor([3, 5])) == expected


def test_the_gpu_script_runs_its_tiny_check_without_a_gpu(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable, "XSTILTS_GPU_BENCH_SIZE": "tiny",
           "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        # the recipe rows only: the experiments' code path has its own test above
        [str(REPO / "scripts" / "gpu_bench.sh"), "--no-experiments"], env=env, capture_output=True, text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "gpu_bench.json").read_text())
    assert result["size"] == "tiny" and set(result["models"]) == set(PAPER_SHAPES)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == result  # the JSON line comes last
