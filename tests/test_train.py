"""train.py's pieces that do not need a training run: the collator and the Trainer's arguments."""

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
