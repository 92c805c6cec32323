"""The compute plan's numbers on constructed configurations: steps, grid, GPU-hours, disk, totals."""

import json
import math

import pytest

from tests.helpers import REPO
from xstilts import config
from xstilts.perf import plan
from xstilts.perf.shapes import PAPER_SHAPES

PAPER = ["grid.models=[mbert, xlmr-large]", "grid.tasks=[none, ud-parse, sts-b]", "grid.seeds=[1, 2, 3]",
         "tune.n_trials=4", "tune.train_subsample=1000", "target.train.batch_size=64", "target.train.epochs=2"]
# A throughput table with round numbers: 10 ms per step of 1,600 tokens of which 2 ms is the optimizer;
# evaluation at 1e6 tokens/s.
RATE = {"train_step_ms": 10.0, "optimizer_ms": 2.0, "train_tokens_per_step": 1600, "eval_tokens_per_s": 1e6}
THROUGHPUT = {"card": "test card", "source": "constructed", "models": {
    "bert-base-multilingual-cased": RATE, "xlm-roberta-large": RATE}}


def _rows(rows, phase, model=None, task=None):
    return [r for r in rows if r["phase"] == phase and model in (None, r["model"]) and task in (None, r["task"])]


def test_steps_are_ceil_of_examples_over_batch_times_epochs():
    assert plan.steps(392_702, 32, 5) == math.ceil(392_702 / 32) * 5 == 61_360
    assert plan.steps(64, 32, 1) == 2 and plan.steps(65, 32, 1) == 3
    assert plan.steps(100, 32, 1.5) == 6  # fractional epochs: ceil(4 x 1.5)


def test_the_paper_plan_counts_the_grid_steps_hours_and_disk():
    cfg = config.load(REPO / "params.yaml", PAPER, profile="paper")
    rows = plan.compute(cfg, THROUGHPUT)

    # grid: 2 models x 3 tasks x 3 seeds; the baseline task trains nothing in the intermediate phase
    assert len(_rows(rows, "target")) == 2 * 3 and all(r["runs"] == 3 for r in _rows(rows, "target"))
    assert len(_rows(rows, "intermediate")) == 2 * 2 and not _rows(rows, "intermediate", task="none")
    assert [r["runs"] for r in _rows(rows, "tune")] == [4] * 4
    assert [r["runs"] for r in _rows(rows, "evaluate")] == [9, 9]

    target = _rows(rows, "target", "mbert", "ud-parse")[0]
    assert target["steps_per_run"] == math.ceil(392_702 / 64) * 2 == 12_272 and target["steps"] == 3 * 12_272
    ud = _rows(rows, "intermediate", "mbert", "ud-parse")[0]
    assert ud["steps_per_run"] == math.ceil(12_544 / 32) * 10  # params.yaml: batch 32, 10 epochs
    stsb = _rows(rows, "intermediate", "xlmr-large", "sts-b")[0]
    assert stsb["steps_per_run"] == math.ceil(5_749 / 32) * 3
    tune = _rows(rows, "tune", "mbert", "sts-b")[0]
    assert tune["examples"] == 1000 and tune["steps_per_run"] == math.ceil(1000 / 32) * 3

    # hours: 2 ms optimizer + 8 ms per 1,600 tokens, scaled to the batch's tokens (64 MNLI pairs x 50)
    step_ms = 2.0 + 8.0 / 1600 * 64 * plan.MEAN_TOKENS["mnli"]
    dev_s = 9_815 * 2 * plan.MEAN_TOKENS["mnli"] / 1e6  # MNLI dev after each of the 2 epochs
    xnli_s = (2_490 + 5_010) * 15 * 2 * plan.MEAN_TOKENS["xnli"] / 1e6  # and XNLI dev + test, 15 languages
    assert target["gpu_hours"] == pytest.approx(3 * (12_272 * step_ms / 1000 + dev_s + xnli_s) / 3600)
    assert target["eval_examples_per_run"] == (9_815 + (2_490 + 5_010) * 15) * 2
    evaluate = _rows(rows, "evaluate", "mbert")[0]
    assert evaluate["eval_examples_per_run"] == (2_490 + 5_010) * 15
    assert evaluate["gpu_hours"] == pytest.approx(9 * 112_500 * 50 / 1e6 / 3600)

    # disk: fp32 encoders; 3 seeds of each trained intermediate task and of each target cell
    large, _ = plan.encoder_params(PAPER_SHAPES["xlm-roberta-large"])
    assert _rows(rows, "target", "xlmr-large", "none")[0]["disk_gb"] == pytest.approx(3 * large * 4 / 1e9)
    assert _rows(rows, "pretrained", "xlmr-large")[0]["disk_gb"] == pytest.approx(large * 4 / 1e9)
    assert _rows(rows, "tune")[0]["disk_gb"] == 0

    total = rows[-1]
    assert total["phase"] == "total"
    assert total["steps"] == sum(r["steps"] for r in rows[:-1])
    assert total["gpu_hours"] == pytest.approx(sum(r["gpu_hours"] for r in rows[:-1]))
    assert total["disk_gb"] == pytest.approx(sum(r["disk_gb"] for r in rows[:-1]))


def test_encoder_parameter_counts_match_transformers():
    import torch
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    for name, shape in PAPER_SHAPES.items():
        common = dict(vocab_size=shape.vocab, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
                      num_attention_heads=shape.heads, intermediate_size=shape.intermediate)
        with torch.device("meta"):  # shapes only, no memory
            if shape.family == "bert":
                model = BertModel(BertConfig(max_position_embeddings=512, type_vocab_size=2, **common),
                                  add_pooling_layer=False)
            else:
                model = XLMRobertaModel(XLMRobertaConfig(max_position_embeddings=514, type_vocab_size=1, **common),
                                        add_pooling_layer=False)
        body = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("embeddings."))
        assert plan.encoder_params(shape) == (sum(p.numel() for p in model.parameters()), body), name
    assert plan.encoder_params(PAPER_SHAPES["xlm-roberta-large"])[0] == 558_840_832


def test_without_a_measurement_the_plan_says_it_estimates(tmp_path):
    cfg = config.load(REPO / "params.yaml", profile="paper")
    text = plan.run(cfg, throughput_file=tmp_path / "absent.json")
    assert "ESTIMATE" in text and "H100" in text and "total" in text
    assert all(r["gpu_hours"] > 0 for r in plan.compute(cfg) if r["phase"] in ("target", "intermediate"))


def test_a_measured_throughput_file_is_used_and_named(tmp_path):
    cfg = config.load(REPO / "params.yaml", ["grid.models=[mbert]"], profile="paper")
    measured = {"card": "NVIDIA H100 80GB HBM3", "date": "2026-11-26 06:00 UTC", "command": "scripts/gpu_bench.sh",
                "models": {"bert-base-multilingual-cased": {"padded": RATE, "dynamic": RATE}}}
    path = tmp_path / "gpu_throughput.json"
    path.write_text(json.dumps(measured))

    text = plan.run(cfg, throughput_file=path)
    assert "measured 2026-11-26 06:00 UTC" in text and "NVIDIA H100 80GB HBM3" in text and "ESTIMATE" not in text
    assert plan.compute(cfg, plan.load_throughput(path)) == plan.compute(cfg, THROUGHPUT)


def test_the_smoke_plan_uses_the_synthetic_sizes_and_plans_no_gpu():
    cfg = config.load(REPO / "params.yaml", profile="smoke")
    rows = plan.compute(cfg)
    target = _rows(rows, "target", "mbert", "none")[0]
    s, recipe = cfg.data.synthetic, cfg.target_train("mbert")
    assert target["examples"] == s.mnli_train
    assert target["steps_per_run"] == math.ceil(s.mnli_train / recipe.batch_size) * recipe.epochs
    assert rows[-1]["gpu_hours"] is None and "n/a" in plan.run(cfg)


def test_a_dynamic_measurement_slower_than_padding_is_bounded_by_the_padded_one(tmp_path):
    # dynamic batches are never wider than padded ones: a slower dynamic step timed first-shape costs
    slow = {**RATE, "train_step_ms": 50.0}
    data = {"card": "c", "date": "d", "models": {"bert-base-multilingual-cased": {"padded": RATE, "dynamic": slow}}}
    path = tmp_path / "gpu_throughput.json"
    path.write_text(json.dumps(data))

    throughput = plan.load_throughput(path)
    assert throughput["models"]["bert-base-multilingual-cased"]["train_step_ms"] == RATE["train_step_ms"]
    assert throughput["bounded_by_padded"] == ["bert-base-multilingual-cased"]
    cfg = config.load(REPO / "params.yaml", ["grid.models=[mbert]"], profile="paper")
    assert "bounded by the padded measurement" in plan.run(cfg, throughput_file=path)


def test_the_target_rows_use_each_models_recipe():
    overrides = ["grid.models=[mbert, xlmr-large]", "target.models={xlmr-large: {epochs: 1}}"]
    cfg = config.load(REPO / "params.yaml", overrides, profile="paper")
    rows = plan.compute(cfg, THROUGHPUT)
    per_epoch = math.ceil(392_702 / 32)
    assert {r["model"]: r["steps_per_run"] for r in _rows(rows, "target", task="none")} == {
        "mbert": per_epoch * 5, "xlmr-large": per_epoch * 1
    }  # fmt: skip
