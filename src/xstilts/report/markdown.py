"""The report's Markdown, rendered from the analysis dict alone (``reports/analysis.json``): rendering only
formats (accuracies ×100, rounded), so ``render(json.load(analysis.json))`` gives the Markdown again."""

from __future__ import annotations

from pathlib import Path

METRIC_LABELS = {"las": "LAS", "uas": "UAS", "spearman": "Spearman", "pearson": "Pearson", "acc": "accuracy"}
SELECTION_WORDS = {
    "final": "the last checkpoint after the fixed training budget (no checkpoint selection)",
    "best-en-dev": "the epoch with the best English XNLI dev accuracy (XTREME practice; Keung et al. 2020, "
    "arXiv 2004.15001, show that it makes zero-shot results unstable)",
}
RULES = {"final": "final epoch", "en_dev": "best English dev epoch", "oracle": "per-language oracle"}
BUDGET_LABELS = {"train_examples": "examples", "train_steps": "optimiser steps", "train_tokens": "sub-word tokens",
                 "train_seconds": "wall time (s)"}
# What a figure shows beyond its title, by the start of its file name (the Markdown prints it below the figure)
CAPTIONS = {
    "average_ci": "Dashed line: chance (33.3%).",
    "delta_heatmap": "An asterisk marks a language whose Δ has Holm-adjusted p < 0.05 over the whole family of "
    "tests (the avg row is not in the family and carries no mark).",
    "learning_curves": "Each intermediate task on its own dev metric; the target task on English MNLI dev accuracy "
    "(dashed line: chance, 33.3%).",
}


def render(a: dict) -> str:
    """The report's Markdown from the analysis dict ``a``."""
    grid, st = a["grid"], a["statistics"]
    label = {c["task"]: f"{c['task']} ({c['family']})" for c in grid["conditions"]}
    n = len(a["languages"])
    lines = ["# Zero-shot XNLI after syntactic vs semantic English intermediate-task training", ""]
    if a["profile"] == "smoke":
        lines += ["> **Smoke profile**: synthetic data and tiny models. These numbers exercise the pipeline; "
                  "they are not findings.", ""]
    lines += [f"> **Warning**: {w}" for w in a["warnings"]] + ([""] if a["warnings"] else [])
    family = st["family"]
    lines += [
        f"Profile `{a['profile']}`; {a['evaluate_runs']} evaluate runs, all FINISHED "
        f"(models {', '.join(grid['models'])}; "
        f"conditions {', '.join(label.values())}; seeds {', '.join(map(str, grid['seeds']))}).",
        f"Checkpoint selection in force (tag `xstilts.selection`): `{a['selection']}`: "
        f"{SELECTION_WORDS.get(a['selection'], a['selection'])}. How this run's protocol differs from X-STILTs "
        "and XTREME: [Protocol deviations](#protocol-deviations).",
        f"Statistics: paired bootstrap over XNLI test pairs ({st['test_pairs']} per language; the pair ids are "
        f"resampled once for all {n} languages, whose test sets are translations of one another) combined with "
        "resampling the seeds jointly for all conditions of a model (a seed fixes the target head's initialisation "
        f"and the data order in every condition); {st['replicates']} replicates, RNG seed {st['rng_seed']}; "
        f"{100 * st['level']:.0f}% percentile intervals; two-sided bootstrap p-values. Accuracies and Δ in points (%).",
        f"Family of tests: every model ({', '.join(family['models'])}) × every comparison "
        f"({', '.join(family['comparisons'])}) × every language ({family['languages']}) = {family['size']} tests; "
        f"Holm and Benjamini–Hochberg adjust over that whole family. Every other p-value (language averages, "
        "groups) is unadjusted and marked so.",
    ]
    if st["min_p"] * family["size"] >= st["alpha"]:
        needed = 2 * family["size"] / st["alpha"]  # 2 / (B + 1) * size < alpha
        lines.append(f"Note: with {st['replicates']} replicates the smallest attainable p is {st['min_p']:.4f}, "
                     f"so Holm cannot flag any test at {st['alpha']} in a family of {family['size']}; use more than "
                     f"{needed:.0f} replicates (`report.bootstrap_replicates`).")
    lines += ["", "## Summary", ""] + [f"- **{m}**: {_verdict(a, m)}" for m in a["per_model"]]
    for model, m in a["per_model"].items():
        lines += ["", f"## {model}", ""] + _model_sections(a, m, label)
    lines += ["", "## Protocol deviations", ""] + _protocol(a)
    lines += ["", f"## Published reference numbers (XNLI zero-shot test accuracy, {n}-language average)", ""]
    lines += _published(a)
    lines += ["", "## Figures", ""]
    for name in a["figures"]:
        stem = Path(name).stem
        caption = next((text for start, text in CAPTIONS.items() if stem.startswith(start)), None)
        lines += [f"![{stem}]({name})"] + ([f"*{caption}*", ""] if caption else [""])
    return "\n".join(lines) + "\n"


# -- the verdict ---------------------------------------------------------------------------------------


def _verdict(a: dict, model: str) -> str:
    m, n = a["per_model"][model], len(a["languages"])
    c = _comparison(m, "syntactic − semantic")
    avg, syn, sem = c["avg"], ", ".join(m["syntactic"]), ", ".join(m["semantic"])
    size = f"by {abs(100 * avg['estimate']):.2f} points on the {n}-language average"
    numbers = (f"syntactic − semantic = {_signed(avg['estimate'])}, 95% CI {_ci(avg)}, "
               f"p {_p_relation(avg['p'])} (unadjusted)")
    size_family = a["statistics"]["family"]["size"]
    significant = (f"{c['significant_holm']} of {n} languages differ significantly after Holm correction over the "
                   f"family of {size_family} tests ({c['significant_bh']} after Benjamini–Hochberg)")
    if avg["low"] > 0:
        head = f"Syntactic training ({syn}) gives higher XNLI accuracy than semantic training ({sem}) {size}"
    elif avg["high"] < 0:
        head = f"Semantic training ({sem}) gives higher XNLI accuracy than syntactic training ({syn}) {size}"
    else:
        head = f"No reliable difference between syntactic ({syn}) and semantic ({sem}) training"
    moves = []
    for other in m["comparisons"][1:]:
        e, task = other["avg"], other["a"][0]
        word = "raises" if e["low"] > 0 else "lowers" if e["high"] < 0 else "does not reliably move"
        moves.append(f"{task} {word} accuracy vs no intermediate task ({_signed(e['estimate'])}, CI {_ci(e)})")
    caveats = []
    budget = m["budget"]
    if budget["confounded"]:
        r = budget["ratio"]
        caveats.append(f"compute/data confound: the syntactic task trained on {_ratio(r['train_steps'])} the optimiser "
                       f"steps and {_ratio(r['train_tokens'])} the tokens of the semantic task")
    cs = m["checkpoint_selection"]
    if cs["logged"] and not cs["same_sign"]:
        caveats.append("the sign of the average contrast changes with the checkpoint-selection rule ("
                       + ", ".join(f"{RULES.get(k, k)} {_signed(v['contrast_avg'])}" for k, v in cs["rules"].items())
                       + ")")
    text = f"{head} ({numbers}); {significant}. Against the baseline: {'; '.join(moves)}."
    return text + (f" Caveats: {'; '.join(caveats)}." if caveats else "")


# -- per model -----------------------------------------------------------------------------------------


def _model_sections(a: dict, m: dict, label: dict[str, str]) -> list[str]:
    langs = a["languages"]
    conditions = [c["task"] for c in a["grid"]["conditions"]]
    test = m["accuracy"]["test"]
    vs_none = {c["a"][0]: c for c in m["comparisons"][1:]}
    out = ["### XNLI test accuracy by language and condition (mean ± sd over seeds; Δ vs none with 95% CI)", ""]
    header = ["language"] + [x for t in conditions for x in ([label[t]] + (["Δ vs none"] if t != "none" else []))]
    rows = []
    for i, code in enumerate(langs + ["**avg**"]):
        row = [code]
        for t in conditions:
            s = test[t]
            row.append(_mean_sd(s["mean"][i], s["sd"] and s["sd"][i]) if i < len(langs)
                       else _mean_sd(s["avg_mean"], s["avg_sd"]))
            if t != "none":
                e = vs_none[t]
                row.append(f"{_signed(e['estimate'][i])} {_ci_at(e, i)}" if i < len(langs)
                           else f"{_signed(e['avg']['estimate'])} {_ci(e['avg'])}")
        rows.append(row)
    out += _table(header, rows)

    c = _comparison(m, "syntactic − semantic")
    out += ["", f"### Syntactic − semantic contrast ({', '.join(m['syntactic'])} − {', '.join(m['semantic'])})", "",
            "Paired bootstrap over test pairs × seeds (a family's accuracy is the mean of its tasks). p (Holm) and "
            "p (BH): adjusted over the whole family of tests; the average's p is unadjusted. W/T/L: win if the 95% CI "
            "is above 0, loss if below, tie if it includes 0.", ""]
    rows = [[code, _signed(c["estimate"][i]), _ci_at(c, i), _p(c["p"][i]), _p(c["p_holm"][i]), _p(c["p_bh"][i]),
             c["wtl"][i]] for i, code in enumerate(langs)]
    avg = c["avg"]
    rows.append(["**avg**", _signed(avg["estimate"]), _ci(avg), f"{_p(avg['p'])} (unadjusted)", "", "", _wtl(avg)])
    out += _table(["language", "Δ", "95% CI", "p (unadjusted)", "p (Holm)", "p (BH)", "W/T/L"], rows)

    out += ["", "### Win / tie / loss over languages (tie: the 95% CI includes 0)", ""]
    out += _table(["comparison", "wins", "ties", "losses", "significant (Holm, family)", "significant (BH, family)"],
                  [[x["name"], str(x["wins"]), str(x["ties"]), str(x["losses"]), str(x["significant_holm"]),
                    str(x["significant_bh"])] for x in m["comparisons"]])
    out += _transfer_gap(m, label) + _competence(m, label) + _budget(m, label) + _selection(m, label)
    out += _typology(m)

    out += ["", "### Syntactic − semantic by language group", "",
            f"Word order: {a['sources']['word_order']}. Script: {a['sources']['script']}. p unadjusted.", ""]
    out += _table(["grouping", "group", "languages", "mean Δ", "95% CI", "p (unadjusted)"],
                  [[g["grouping"], g["group"], " ".join(g["languages"]), _signed(g["estimate"]), _ci(g), _p(g["p"])]
                   for g in m["groups"]])

    out += ["", "### Agreement between XNLI dev and test (per-language Δ, mean over seeds)", ""]
    out += _table(["comparison", "Pearson r (dev Δ, test Δ)", "same sign", "avg Δ dev", "avg Δ test"],
                  [[g["comparison"], _num(g["r"]), f"{g['same_sign']}/{g['languages']}", _signed(g["dev"]),
                    _signed(g["test"])] for g in m["agreement"]])

    out += ["", "### Intermediate tasks' own dev scores beside their XNLI effect", "",
            "Is a better parser a better XNLI encoder? r: Pearson correlation over runs between the task's dev score "
            "and the run's language-average XNLI test accuracy (n/a below 3 runs).", ""]
    rows = []
    for own in m["own"]:
        e, name = own["delta_vs_none"], METRIC_LABELS.get(own["metric"], own["metric"])
        rates = ", ".join(map(format_lr, own["lr"]))
        rows.append([label[own["task"]], rates, ", ".join(own["lr_source"]), f"dev {name}",
                     _mean_sd(own["mean"], own["sd"]), f"{_signed(e['estimate'])} {_ci(e)}", _num(own["r"]),
                     str(own["n"])])
    out += _table(["task", "lr", "lr source", "metric", "score (×100, mean ± sd)", "XNLI Δ vs none (avg)", "r", "runs"],
                  rows)
    return out


def _transfer_gap(m: dict, label) -> list[str]:
    g = m["transfer_gap"]
    out = ["", "### Transfer gap (English vs the other languages)", ""]
    if not g["available"]:
        return out + [f"n/a: {g['reason']}."]
    out += [f"Gap = English test accuracy − mean over the {g['others']} other languages (mean over seeds). Does "
            "intermediate training change how much of the English accuracy transfers? Change vs none: the task's gap "
            "minus the baseline's, 95% CI from the same bootstrap replicates, p unadjusted.", ""]
    rows = []
    for row in g["conditions"]:
        change = row["change_vs_none"]
        rows.append([label[row["task"]], _pct(row["en"]), _pct(row["others"]), _signed(row["gap"]),
                     "" if change is None else _signed(change["estimate"]), "" if change is None else _ci(change),
                     "" if change is None else _p(change["p"])])
    return out + _table(["condition", "en", "others (mean)", "gap", "gap change vs none", "95% CI",
                         "p (unadjusted)"], rows)


def _competence(m: dict, label) -> list[str]:
    out = ["", "### Target-task competence (English MNLI dev, matched)", "",
           "The target run's `dev_acc` (English MNLI dev, matched; mean ± sd over seeds) beside its XNLI test "
           "accuracy: does a condition change zero-shot transfer, or only how well MNLI itself is learnt?", ""]
    rows = [[label[r["task"]], "not logged" if r["mnli_dev_acc"] is None else _mean_sd(r["mnli_dev_acc"],
             r["mnli_dev_acc_sd"]), _pct(r["xnli_en"]), _pct(r["xnli_avg"]), str(r["runs"])] for r in m["competence"]]
    return out + _table(["condition", "MNLI dev acc", "XNLI en (test)", "XNLI avg (test)", "runs"], rows)


def _budget(m: dict, label) -> list[str]:
    b = m["budget"]
    out = ["", "### Intermediate-task budget", "",
           "What each intermediate task trained on (mean over seeds of its runs' metrics): a syntactic − semantic "
           "difference may come from the amount of training as much as from the kind of task.", ""]
    rows = [[label[r["task"]]] + [_count(r[k]) for k in b["ratio"]] for r in b["tasks"]]
    rows.append(["**syntactic / semantic**"] + [_ratio(b["ratio"][k]) for k in b["ratio"]])
    out += _table(["task"] + [BUDGET_LABELS[k] for k in b["ratio"]], rows)
    if not b["logged"]:
        out += ["", "Not logged: the intermediate runs carry no `train_steps`/`train_tokens` metrics (older runs)."]
    elif b["confounded"]:
        out += ["", f"**Confound**: the budgets differ by more than {b['threshold']:g}× in optimiser steps or tokens."]
    return out


def _selection(m: dict, label) -> list[str]:
    cs = m["checkpoint_selection"]
    out = ["", "### Checkpoint selection (Keung et al. 2020)", ""]
    if not cs["logged"]:
        return out + [cs["reason"] + "."]
    out += ["Epochs chosen on XNLI dev only, test accuracy reported at the chosen epoch (mean over seeds): final = "
            "the last epoch; English dev = the epoch with the best English dev accuracy, the same for every "
            "language; oracle = for each language the epoch with its own best dev accuracy. Epochs logged: "
            f"{', '.join(map(str, cs['epochs']))}.", ""]
    conditions = list(next(iter(cs["rules"].values()))["accuracy_avg"])
    rows = []
    for rule in cs["rules"].values():
        rows.append([rule["words"]] + [f"{_pct(rule['accuracy_avg'][t])} (epoch {rule['mean_epoch'][t]:.1f})"
                                       for t in conditions] + [_signed(rule["contrast_avg"])])
    out += _table(["rule"] + [label[t] for t in conditions] + ["syntactic − semantic (avg)"], rows)
    verdict = "keeps its sign" if cs["same_sign"] else "does NOT keep its sign"
    return out + ["", f"The average syntactic − semantic contrast {verdict} across the {len(cs['rules'])} rules."]


def _typology(m: dict) -> list[str]:
    t = m["typology"]
    out = ["", "### Syntactic − semantic Δ vs syntactic distance from English", "",
           f"Distance: {t['definition']}; {t['source']}. r over the {len(t['languages'])} non-English languages, "
           "95% percentile interval from the same bootstrap replicates as the Δ.", ""]
    columns = zip(t["languages"], t["word_order"], t["distance"], t["delta"], strict=True)
    out += _table(["language", "word order (WALS)", "syntactic distance", "Δ"],
                  [[code, order, f"{d:.3f}", _signed(x)] for code, order, d, x in columns])
    out += [""] + _table(["correlation", "r", "95% CI"], [
        [name.capitalize(), _num(t[name]["r"]), _interval(t[name]["low"], t[name]["high"])]
        for name in ("pearson", "spearman")])
    return out


# -- protocol and published numbers --------------------------------------------------------------------


def _protocol(a: dict) -> list[str]:
    p = a["protocol"]
    refs = p["references"]
    sources = list(p["sources"])
    out = [f"This run beside {refs['xstilts']['name']} ({refs['xstilts']['cite']}) and {refs['xtreme']['name']} "
           f"({refs['xtreme']['cite']}). same / differs: this run's value against the reference's; —: the reference "
           "states no value or does not apply. [n]: the source of the reference's value (below).", ""]
    if p["differs"]:
        out += [f"Elements that differ from at least one reference: {'; '.join(p['differs'])}.", ""]
    rows = []
    for r in p["rows"]:
        cells = [r["element"], r["per"] or "", r["ours"]["text"]]
        for ref in ("xstilts", "xtreme"):
            source = r[ref]["source"]
            mark = f" [{sources.index(source) + 1}]" if source in sources else ""
            cells += [r[ref]["text"] + mark, r[f"vs_{ref}"]]
        rows.append(cells)
    out += _table(["element", "model / task", "this run", refs["xstilts"]["name"], "vs X-STILTs",
                   refs["xtreme"]["name"], "vs XTREME"], rows)
    out += ["", "Sources:", ""] + [f"{i}. {p['sources'][key]}" for i, key in enumerate(sources, 1)]
    return out


def _published(a: dict) -> list[str]:
    out = ["Each published system beside the condition of this report that corresponds to it by definition (no "
           "condition is chosen by its test accuracy). How the protocols differ: "
           "[Protocol deviations](#protocol-deviations).", ""]
    rows = []
    for r in a["published"]:
        if r["model"] is None:
            ours = "—"
        elif r["ours"] is None:
            ours = f"— ({r['model']} not in grid.models)"
        else:
            ours = f"{100 * r['ours']:.1f} ({r['model']}, {r['condition']})"
        rows.append([r["system"], f"{r['avg']:.1f}", r["source"], ours, r["note"]])
    return out + _table(["published system", "avg", "source", "this run", "comparability"], rows)


# -- formatting ----------------------------------------------------------------------------------------


def format_lr(x) -> str:
    """A learning rate to 3 significant digits (a tuned rate has 17); as given when it is not a number."""
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError):
        return str(x)


def _comparison(m: dict, name: str) -> dict:
    return next(c for c in m["comparisons"] if c["name"] == name)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _signed(x) -> str:
    return "n/a" if x is None else f"{100 * x:+.2f}"


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}"


def _ci(e: dict) -> str:
    return _interval(e["low"], e["high"], 100)


def _ci_at(e: dict, i: int) -> str:
    return _interval(e["low"][i], e["high"][i], 100)


def _interval(low, high, scale: float = 1) -> str:
    if low is None or high is None:
        return "n/a"
    return f"[{scale * low:+.2f}, {scale * high:+.2f}]"


def _p(p) -> str:
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _p_relation(p) -> str:
    """``= 0.123``, ``< 0.001`` or ``= n/a``: a p-value in running text."""
    text = _p(p)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"


def _num(x) -> str:
    return "n/a" if x is None else f"{x:+.2f}"


def _mean_sd(mean, sd) -> str:
    if mean is None:
        return "n/a"
    return f"{100 * mean:.2f} ± {'n/a' if sd is None else f'{100 * sd:.2f}'}"


def _count(x) -> str:
    if x is None:
        return "not logged"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2f}"


def _ratio(x) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def _wtl(e: dict) -> str:
    return "W" if e["low"] > 0 else "L" if e["high"] < 0 else "T"
