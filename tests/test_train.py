"""train.py's pieces: the collator, the Trainer's arguments, and fit's budget on a toy model (seconds, not minutes)."""

import math

from tests.helpers import REPO
from xstilts import config
from xstilts.train import PadCollator, training_arguments


def test_pad_collator_pads_to_the_longest_or_to_a_multiple():
    features = [{"input_ids": [5, 6, 7], "labels": 1, "length": 3}, {"input_ids": [5], "labels": 0, "length": 1}]

    batch = PadCollator({"input_ids": 1})(features)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 1, 1]] and batch["labels"].tolist() == [1, 0]
    assert "length" not in batch  # only there for length-grouped sampling

    wide = PadCollator({"input_ids": 1}, pad_to_multiple_of=8)(features)
    assert wide["input_ids"].tolist() == [[5, 6, 7, 1, 1, 1, 1, 1], [5, 1, 1, 1, 1, 1, 1, 1]]


def test_training_arguments_compile_and_autocast_only_on_a_gpu(tmp_path):
    recipe = config.load(REPO / "params.yaml").target.train

    cpu = training_arguments(recipe, seed=1, work_dir=tmp_path, on_gpu=False, compile=True)
    assert not cpu.torch_compile and not cpu.bf16 and cpu.use_cpu and cpu.dataloader_num_workers == 0
    gpu = training_arguments(recipe, seed=1, work_dir=tmp_path, on_gpu=True, compile=True)
    assert gpu.torch_compile and gpu.dataloader_num_workers == 2
    assert not training_arguments(recipe, seed=1, work_dir=tmp_path, on_gpu=True, compile=False).torch_compile
    assert (gpu.learning_rate, gpu.per_device_train_batch_size, gpu.max_grad_norm) == (
        recipe.lr, recipe.batch_size, 1.0
    )


def test_compute_block_is_strict(tmp_path):
    import pytest

    from xstilts.errors import ConfigError

    assert config.load(REPO / "params.yaml").compute.torch_compile is False
    assert config.load(REPO / "params.yaml", ["compute.torch_compile=true"]).compute.torch_compile is True
    with pytest.raises(ConfigError, match="compute.torch_compile"):
        config.load(REPO / "params.yaml", ["compute.torch_compile=3"])


def test_the_length_grouped_sampler_gets_plain_lengths(tmp_path):
    import datasets
    import torch

    from xstilts.train import LengthGroupedSampler, _Trainer

    recipe = config.load(REPO / "params.yaml").target.train
    features = datasets.Dataset.from_dict({"input_ids": [[1] * n for n in (3, 9, 5, 7)], "length": [3, 9, 5, 7]})
    trainer = _Trainer(
        model=torch.nn.Linear(1, 1), args=training_arguments(recipe, seed=1, work_dir=tmp_path, on_gpu=False),
        train_dataset=features, data_collator=PadCollator({}),
    )
    sampler = trainer._get_train_sampler()
    assert isinstance(sampler, LengthGroupedSampler) and sampler.lengths == [3, 9, 5, 7]
    assert sorted(sampler) == [0, 1, 2, 3]


class _Toy:
    """A bag-of-embeddings classifier and a 10-example dataset of known lengths, for train.fit itself."""

    LENGTHS = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1]

    @staticmethod
    def model():
        import torch

        class Toy(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embed, self.out = torch.nn.Embedding(10, 4), torch.nn.Linear(4, 2)

            def forward(self, input_ids, labels):
                logits = self.out(self.embed(input_ids).mean(1))
                return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}

        torch.manual_seed(0)
        return Toy()

    @classmethod
    def data(cls):
        import datasets

        return datasets.Dataset.from_dict({
            "input_ids": [[1 + i % 9] * n for i, n in enumerate(cls.LENGTHS)], "labels": [i % 2 for i in range(10)],
            "length": cls.LENGTHS,
        })  # fmt: skip


def _fit(work, callbacks=(), epochs=2.0):
    import mlflow

    from xstilts import train

    spec = config.TrainSpec(lr=1e-2, epochs=epochs, batch_size=4, max_length=8, warmup_ratio=0.0, weight_decay=0.0)
    model = _Toy.model()
    client = mlflow.MlflowClient()  # the test's own store (workdir), not an experiment id left by earlier tests
    experiment = client.get_experiment_by_name("fit") or client.get_experiment(client.create_experiment("fit"))
    with mlflow.start_run(experiment_id=experiment.experiment_id):  # LossToMlflow logs to the active run
        budget = train.fit(model, _Toy.data(), PadCollator({}), spec, seed=1, work_dir=work, callbacks=callbacks)
    return budget, model


def test_fit_reports_the_training_budget_without_the_epoch_evaluations(workdir):
    import time

    from transformers import TrainerCallback

    from xstilts.train import EpochHook

    class SlowSteps(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            time.sleep(0.05)

    evaluated = []
    hook = EpochHook(lambda model, epoch, step: (evaluated.append(epoch), time.sleep(3)))
    budget, _ = _fit(workdir / "work", [SlowSteps(), hook])
    assert evaluated == [1, 2]
    # computed here from the recipe: 10 examples in batches of 4, 2 epochs; every token once per epoch
    assert budget["train_examples"] == 10
    assert budget["train_steps"] == math.ceil(10 / 4) * 2 == 6
    assert budget["train_tokens"] == sum(_Toy.LENGTHS) * 2 == 60
    assert 6 * 0.05 <= budget["train_seconds"] < 3  # the 2 x 3 s of evaluation are not training time


def test_a_resumed_fit_counts_the_seconds_and_steps_of_the_whole_training(workdir):
    import json
    import time

    import pytest
    from transformers import TrainerCallback

    class SlowSteps(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            time.sleep(0.1)

    class Killed(Exception):
        pass

    class KillAt4(TrainerCallback):  # stands in for a kill right after the checkpoint of step 4
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == 4:
                raise Killed

    undisturbed, model = _fit(workdir / "undisturbed", [SlowSteps()])
    expected = {k: v.clone() for k, v in model.state_dict().items()}

    work = workdir / "work"
    with pytest.raises(Killed):
        _fit(work, [SlowSteps(), KillAt4()])
    state = json.loads((work / "checkpoint-4" / "trainer_state.json").read_text())
    before = state["stateful_callbacks"]["TrainClock"]["args"]["seconds"]
    assert before >= 4 * 0.1

    resumed, model = _fit(work, [SlowSteps()])
    assert {k: resumed[k] for k in ("train_examples", "train_steps", "train_tokens")} == {
        "train_examples": 10, "train_steps": 6, "train_tokens": 60
    }  # fmt: skip
    assert resumed["train_seconds"] >= before + 2 * 0.1  # the seconds up to checkpoint-4 and those after it
    assert undisturbed["train_steps"] == 6 and undisturbed["train_tokens"] == 60
    assert all((model.state_dict()[k] == v).all() for k, v in expected.items())  # still an exact resume


def test_the_baselines_budget_has_the_budgets_keys():
    from xstilts import phases, train

    assert tuple(phases.NO_TRAINING) == train.BUDGET and not any(phases.NO_TRAINING.values())
