"""Checkpoint selection (Keung et al. 2020, "Don't Use English Dev", arXiv 2004.15001): does the
syntactic − semantic contrast keep its sign under another choice of the target model's epoch?

The target runs log zero-shot XNLI dev and test accuracy in every language after each epoch
(``epoch_xnli_dev_acc_<lang>``, ``epoch_xnli_test_acc_<lang>``, step = epoch 1..E). Epochs are chosen on
DEV only, and TEST accuracy is reported at the chosen epoch:

- ``final``: the last epoch (the fixed budget);
- ``en_dev``: the epoch with the best English dev accuracy, the same epoch for every language (XTREME);
- ``oracle``: for each language the epoch with its own best dev accuracy (needs target-language dev data,
  which zero-shot transfer does not have: an upper bound on what selection can do).

Ties go to the earliest epoch. The contrast is the mean over seeds and over the tasks of a family,
syntactic minus semantic, per language and averaged over languages (point estimates: the per-example
predictions exist only for the evaluated model).
"""

from __future__ import annotations

import numpy as np

RULES = ("final", "en_dev", "oracle")
RULE_WORDS = {
    "final": "final epoch",
    "en_dev": "best English dev epoch (one epoch for all languages)",
    "oracle": "best dev epoch per language (oracle)",
}
REFERENCE = "en"


def keys(languages) -> list[str]:
    """The per-epoch metrics a target run logs that the analysis reads."""
    return [f"epoch_xnli_{split}_acc_{lang}" for split in ("dev", "test") for lang in languages]


def analyse(languages, conditions, seeds, syntactic, semantic, histories) -> dict:
    """``histories[(task, seed)]``: the target run's ``{metric: [(epoch, value), ...]}``."""
    langs = list(languages)
    curves, missing = {}, []
    for (task, seed), history in histories.items():
        found = _curves(langs, history)
        if found is None:
            missing.append(f"{task}/seed{seed}")
        else:
            curves[task, seed] = found
    if missing:
        return {"logged": False, "rules": {}, "same_sign": None, "epochs": None,
                "reason": f"not logged: {len(missing)} of {len(histories)} target runs have no complete per-epoch "
                          f"XNLI dev/test history (epoch_xnli_<split>_acc_<lang>; e.g. {missing[0]})"}
    epochs = sorted({step for steps, _, _ in curves.values() for step in steps})
    rules = {}
    for rule in RULES:
        if rule == "en_dev" and REFERENCE not in langs:
            continue
        chosen = {key: _select(rule, langs, steps, dev, test) for key, (steps, dev, test) in curves.items()}
        accuracy = {t: np.mean([chosen[t, s][0] for s in seeds], axis=0) for t in conditions}
        contrast = np.mean([accuracy[t] for t in syntactic], 0) - np.mean([accuracy[t] for t in semantic], 0)
        rules[rule] = {
            "words": RULE_WORDS[rule],
            "accuracy_avg": {t: accuracy[t].mean() for t in conditions},
            "contrast": contrast, "contrast_avg": contrast.mean(),
            "mean_epoch": {t: float(np.mean([chosen[t, s][1] for s in seeds])) for t in conditions},
        }
    signs = {np.sign(r["contrast_avg"]) for r in rules.values()}
    return {"logged": True, "reason": None, "epochs": epochs, "rules": rules, "same_sign": len(signs) == 1}


def _curves(langs, history) -> tuple[list[int], np.ndarray, np.ndarray] | None:
    """``(epochs, dev, test)``, dev and test as ``[epochs, languages]``; None unless every language has both
    at the same epochs."""
    steps, out = None, []
    for split in ("dev", "test"):
        rows = []
        for lang in langs:
            points = dict(history.get(f"epoch_xnli_{split}_acc_{lang}", []))  # a step logged again (a resumed
            if not points:                                                     # run): its last value counts
                return None
            if steps is None:
                steps = sorted(points)
            if sorted(points) != steps:
                return None
            rows.append([points[step] for step in steps])
        out.append(np.array(rows, float).T)
    return steps, out[0], out[1]


def _select(rule, langs, steps, dev, test) -> tuple[np.ndarray, float]:
    """Test accuracy per language at the epoch(s) ``rule`` picks on dev, and the mean picked epoch."""
    if rule == "final":
        picked = np.full(len(langs), len(dev) - 1)
    elif rule == "en_dev":
        picked = np.full(len(langs), int(np.argmax(dev[:, langs.index(REFERENCE)])))
    else:
        picked = np.argmax(dev, axis=0)  # first maximum: ties go to the earliest epoch
    return test[picked, np.arange(len(langs))], float(np.mean(np.asarray(steps)[picked]))
