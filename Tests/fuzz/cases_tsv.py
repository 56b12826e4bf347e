"""Generated UCR TSV files: a small valid dataset with one to three random damages, read by
`train-teacher` (training split and test split) and by `evaluate` of a trained teacher."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Iterator

from fuzz_cli import Case
from workspace import DATA, DATASET, Workspace

NAME = "FUZZ"
STRANGE_VALUES = ["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e-400", "", " ", "abc", "0x1p3",
                  "1,5", "١٢", "+", "-", ".", "1e", "--1", "1..2", "\x00", "9" * 400, "1_000",
                  "\u00a01", "1\r", "true", "0" * 5000 + "1"]
STRANGE_LABELS = ["a", "1.5", "1e30", "-3", "nan", "", "999999999999999999999", "0", "٣", "x y",
                  "\x00"]


def base_rows(rng: random.Random) -> list[list[str]]:
    """Rows of the shipped ItalyPowerDemand training file, shortened."""
    lines = (DATA / DATASET / f"{DATASET}_TRAIN.tsv").read_text().splitlines()
    count = rng.randint(4, 30)
    length = rng.randint(1, 24)
    return [line.split("\t")[: length + 1] for line in rng.sample(lines, min(count, len(lines)))]


def damage(rows: list[list[str]], rng: random.Random) -> tuple[list[list[str]], str, bytes]:
    """Applies one damage to the rows (or, for byte-level damage, to the encoded text); returns
    the rows, a description, and raw bytes when the damage is byte-level (else b"")."""
    kind = rng.choice(["value", "label", "ragged", "drop", "single-class", "long", "constant",
                       "empty", "bytes", "truncate", "separator", "duplicate", "many-columns"])
    rows = [list(row) for row in rows] or [["1", "0.5"]]
    r = rng.randrange(len(rows))
    if kind == "value" and len(rows[r]) > 1:
        token = rng.choice(STRANGE_VALUES)
        rows[r][rng.randrange(1, len(rows[r]))] = token
        return rows, f"value {token[:20]!r} in row {r}", b""
    if kind == "label":
        token = rng.choice(STRANGE_LABELS)
        rows[r][0] = token
        return rows, f"label {token[:20]!r} in row {r}", b""
    if kind == "ragged":
        if rng.random() < 0.5 and len(rows[r]) > 1:
            rows[r] = rows[r][:-rng.randint(1, len(rows[r]) - 1)]
        else:
            rows[r] = rows[r] + ["0.5"] * rng.randint(1, 5)
        return rows, f"row {r} has {len(rows[r]) - 1} values", b""
    if kind == "drop":
        return rows[:rng.randint(0, 2)], "only a few rows", b""
    if kind == "single-class":
        return [["1"] + row[1:] for row in rows], "one class", b""
    if kind == "long":
        width = rng.choice([500, 5000, 60000])
        return [row[:1] + ["0.25"] * width for row in rows[:3]], f"series of {width} values", b""
    if kind == "constant":
        return [row[:1] + ["3"] * (len(row) - 1) for row in rows], "constant series", b""
    if kind == "empty":
        return [], "empty file", rng.choice([b"", b"\n", b"\n\n\n", b"\t", b"\xef\xbb\xbf"])
    if kind == "separator":
        sep = rng.choice([",", " ", ";", "\t\t", " \t"])
        text = "\n".join(sep.join(row) for row in rows) + "\n"
        return rows, f"separator {sep!r}", text.encode()
    if kind == "duplicate":
        return rows + rows, "every row twice", b""
    if kind == "many-columns":
        return [row[:1] + [str(rng.uniform(-1e6, 1e6)) for _ in range(rng.randint(1, 3000))]
                for row in rows[:4]], "random widths", b""
    text = ("\n".join("\t".join(row) for row in rows) + "\n").encode()
    if kind == "truncate":
        cut = rng.randrange(len(text) + 1)
        return rows, f"cut at byte {cut}", text[:cut] or b" "
    positions = [rng.randrange(len(text)) for _ in range(rng.randint(1, 8))]
    data = bytearray(text)
    for position in positions:
        data[position] = rng.randrange(256)
    return rows, f"bytes changed at {positions}", bytes(data)


def write_dataset(root: Path, rng: random.Random) -> tuple[str, Path, Path]:
    folder = root / NAME
    folder.mkdir(parents=True, exist_ok=True)
    descriptions = []
    paths = []
    for split in ("TRAIN", "TEST"):
        rows = base_rows(rng)
        raw = b""
        for _ in range(rng.choice([0, 1, 1, 2, 3]) if split == "TEST" else rng.randint(1, 3)):
            rows, description, raw = damage(rows, rng)
            descriptions.append(f"{split.lower()}: {description}")
        path = folder / f"{NAME}_{split}.tsv"
        path.write_bytes(raw or ("\n".join("\t".join(row) for row in rows) + "\n").encode())
        paths.append(path)
    if rng.random() < 0.03:
        paths[1].unlink()
        descriptions.append("no test file")
    return "; ".join(descriptions), paths[0], paths[1]


def cases(workspace: Workspace, rng: random.Random) -> Iterator[Case]:
    index = 0
    while True:
        index += 1
        folder = workspace.scratch(f"tsv-{index % 8}")
        root = folder / "ucr"
        label, train, test = write_dataset(root, rng)
        names = [NAME, str(train), str(test), str(root)]
        inputs = [path for path in (train, test) if path.exists()]
        out = folder / "teacher.h5"
        shutil.copy(workspace.teacher, out)  # an existing complete teacher, to be kept on failure
        if rng.random() < 0.75:
            length = rng.choice(["16", "24", "2", "100"])
            yield Case("tsv", f"train-teacher: {label}",
                       [workspace.script, "train-teacher", "--dataset", NAME, "--data-root",
                        str(root), "--length", length, "--hidden", "2", "--layers", "1", "--inits",
                        "1", "--epochs", "1", "--out", str(out), "--overwrite", "--quiet"],
                       frozenset({"accepted", "refused"}), names, watched=[out], inputs=inputs)
        else:
            yield Case("tsv", f"evaluate on it: {label}",
                       [workspace.script, "evaluate", "--checkpoint", str(out), "--dataset", NAME,
                        "--data-root", str(root), "--json"],
                       frozenset({"accepted", "refused"}), names, inputs=inputs + [out])
