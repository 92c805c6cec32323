"""Reading hub dataset snapshots (parquet, as the hub lays them out) and building ``datasets.Dataset``.

A snapshot directory holds ``<config>/<split>-NNNNN-of-MMMMM.parquet`` shards; the shards of one split
are read in name order, which is the hub's row order. ``pyarrow``/``datasets`` are imported inside the
functions so that importing a loader module stays cheap.

A label column stores integer ids; what they mean is written only in the features that ``datasets``
keeps in the parquet schema metadata (key ``huggingface``: ``{"info": {"features": {"label": {"names":
[...], "_type": "ClassLabel"}}}}``). Readers of classification splits check those names, so that a
snapshot whose ids mean something else stops instead of silently swapping classes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from xstilts.errors import DataError


def read_split(
    directory, split: str, columns: Sequence[str], layout: str, label_names: Sequence[str] | None = None
) -> dict[str, list]:
    """``{column: values}`` of ``<directory>/<split>-*.parquet``; ``layout`` names the expected tree in errors.

    With ``label_names``, every shard's features must declare ``label`` a ClassLabel with exactly these
    names in this order (see :func:`check_label_names`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    files = sorted(directory.glob(f"{split}-*.parquet"))
    if not files:
        missing = directory / f"{split}-00000-of-00001.parquet"
        raise DataError(missing, 0, f"file not found (expected the hub layout {layout})")
    tables = []
    for file in files:
        try:
            schema = pq.read_schema(file)
            absent = [name for name in columns if name not in schema.names]
            if absent:
                raise DataError(file, 0, f"missing column {absent[0]!r} (has: {', '.join(schema.names)})")
            if label_names is not None:
                check_label_names(file, schema.metadata, label_names)
            tables.append(pq.read_table(file, columns=list(columns)))
        except (pa.ArrowException, OSError) as err:
            raise DataError(file, 0, f"cannot read as parquet ({err})") from None
    table = pa.concat_tables(tables)
    return {name: table.column(name).to_pylist() for name in columns}


def check_label_names(file, metadata: dict[bytes, bytes] | None, names: Sequence[str]) -> None:
    """The ``label`` feature in a parquet schema's ``huggingface`` metadata is a ClassLabel named ``names``."""
    expected = ", ".join(names)
    raw = (metadata or {}).get(b"huggingface")
    if raw is None:
        message = f"no Hugging Face features in the parquet metadata: cannot check that the label ids mean {expected}"
        raise DataError(file, 0, message)
    try:
        label = json.loads(raw)["info"]["features"]["label"]
        found = label["names"] if label["_type"] == "ClassLabel" else None
    except (ValueError, KeyError, TypeError):
        found = None
    if not isinstance(found, list):
        raise DataError(file, 0, "the Hugging Face features in the parquet metadata declare no ClassLabel 'label'")
    if found != list(names):
        message = f"label names {', '.join(map(str, found))} in the Hugging Face features differ from {expected}"
        raise DataError(file, 0, message)


def to_dataset(rows: list[dict], features):
    """A ``datasets.Dataset`` of ``rows`` with exactly the columns (in order) of ``features``."""
    import datasets

    return datasets.Dataset.from_dict({name: [row[name] for row in rows] for name in features}, features=features)


def nli_features(*leading: tuple[str, str]):
    """Features of an NLI split: ``leading`` (name, value type) columns, then premise, hypothesis, label."""
    import datasets

    from xstilts.data import NLI_LABELS

    columns = {name: datasets.Value(kind) for name, kind in leading}
    columns |= {
        "premise": datasets.Value("string"),
        "hypothesis": datasets.Value("string"),
        "label": datasets.ClassLabel(names=list(NLI_LABELS)),
    }
    return datasets.Features(columns)


def nli_rows(columns: dict[str, list], where, skip_unlabelled: bool) -> list[dict]:
    """Rows ``{premise, hypothesis, label}`` of a hub NLI split; label -1 (a hidden test label) is skipped
    when ``skip_unlabelled``, any other value outside 0..2 is an error."""
    rows = []
    for index, (premise, hypothesis, label) in enumerate(
        zip(columns["premise"], columns["hypothesis"], columns["label"], strict=True)
    ):
        if label == -1 and skip_unlabelled:
            continue
        if label not in (0, 1, 2):
            raise DataError(where, 0, f"row {index}: label {label!r} is not 0, 1 or 2")
        rows.append({"premise": premise, "hypothesis": hypothesis, "label": label})
    return rows
