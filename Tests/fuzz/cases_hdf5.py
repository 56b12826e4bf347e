"""Damaged copies of a teacher, a student and a traces file: truncation at every class of
offset, byte flips (anywhere, or inside a tensor's stored values) and h5py edits of shapes,
dtypes, attributes and links. Each is read by the commands that read that file kind.

The oracle: truncation must be refused. A flip must be refused or change nothing MemKD
computes (the same metrics, the same exported code and weights, the same distilled student): HDF5's
metadata checksums and MemKD's per-dataset SHA-256 leave no byte that changes an answer
unnoticed. An h5py edit is a deliberate change, so it may be accepted (but never crash)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Callable, Iterator, Optional

import h5py
import numpy as np

from fuzz_cli import Case
from workspace import DATA, Workspace, answer, distill_answer


def truncation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    size = len(data)
    where = rng.choice(["signature", "superblock", "metadata", "middle", "end", "last byte"])
    cut = {"signature": lambda: rng.randrange(0, 8), "superblock": lambda: rng.randrange(8, 96),
           "metadata": lambda: rng.randrange(96, min(4096, size)),
           "middle": lambda: rng.randrange(size // 4, 3 * size // 4),
           "end": lambda: rng.randrange(max(0, size - 512), size - 1),
           "last byte": lambda: size - 1}[where]()
    return data[:cut], f"truncated at {cut} of {size} ({where})"


def flip(path: Path, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    data = bytearray(data)
    if rng.random() < 0.5:
        with h5py.File(path, "r") as f:
            tensors = []
            f.visititems(lambda key, item: tensors.append(item.name) if isinstance(
                item, h5py.Dataset) and item.id.get_offset() is not None and item.size else None)
            name = rng.choice(tensors)
            item = f[name]
            offset = item.id.get_offset() + rng.randrange(item.size * item.dtype.itemsize)
        bit = 1 << rng.randrange(8)
        data[offset] ^= bit
        return bytes(data), f"bit {bit} flipped in {name}'s values (byte {offset})"
    positions = sorted(rng.randrange(len(data)) for _ in range(rng.randint(1, 4)))
    for position in positions:
        data[position] ^= 1 << rng.randrange(8)
    return bytes(data), f"bits flipped at bytes {positions}"


EDIT_VALUES = [0, -1, 1, 2**31, 2**62, -(2**62), 3.5, float("nan"), float("inf"), "", "x",
               "\u4e2d", np.array([1, 2, 3]), np.array([], dtype=np.int64), b"\xff\xfe",
               np.array([[1.0]]), True]


def h5py_edit(path: Path, rng: random.Random) -> str:
    with h5py.File(path, "r+") as f:
        objects = [f]
        f.visititems(lambda key, item: objects.append(item))
        target = rng.choice(objects)
        action = rng.choice(["attribute", "attribute", "delete-attribute", "replace-dataset",
                             "delete", "values", "link", "add"])
        if action in ("attribute", "delete-attribute") and target.attrs.keys():
            key = rng.choice(list(target.attrs.keys()))
            if action == "delete-attribute":
                del target.attrs[key]
                return f"deleted attribute {target.name}:{key}"
            value = rng.choice(EDIT_VALUES)
            target.attrs[key] = value
            return f"attribute {target.name}:{key} = {value!r:.40}"
        if action == "replace-dataset" and isinstance(target, h5py.Dataset):
            name = target.name
            shape = rng.choice([(), (0,), (1,), (3, 3), (2, 2, 2), (10**6,)])
            dtype = rng.choice([np.float32, np.float64, np.int64, np.int8, np.uint64, "S4"])
            del f[name]
            f[name] = np.zeros(shape, dtype=dtype)
            if rng.random() < 0.5 and dtype != "S4":
                f[name].attrs["sha256"] = __import__("hashlib").sha256(
                    f[name][()].tobytes()).hexdigest()
            return f"{name} replaced by {dtype} {shape}"
        if action == "values" and isinstance(target, h5py.Dataset) and target.size:
            values = target[()]
            values.flat[rng.randrange(values.size)] = rng.choice([np.nan, np.inf, -1, 2**40, 0])
            target[...] = values
            if rng.random() < 0.7:
                target.attrs["sha256"] = __import__("hashlib").sha256(
                    target[()].tobytes()).hexdigest()
                return f"{target.name}: a value changed, its sha256 refreshed"
            return f"{target.name}: a value changed"
        if action == "delete" and target is not f:
            name = target.name
            del f[name]
            return f"deleted {name}"
        if action == "link" and target is not f:
            name = target.name
            del f[name]
            f[name] = rng.choice([h5py.SoftLink(name), h5py.SoftLink("/nowhere"),
                                  h5py.ExternalLink("/etc/passwd", "/x")])
            return f"{name} became a dangling or cyclic link"
        group = target if isinstance(target, h5py.Group) else f
        group.create_dataset("extra", data=np.arange(5))
        return f"added {group.name}/extra"


def readers(workspace: Workspace, kind: str, path: Path, folder: Path):
    """(argv, files it must not touch when refusing, check of an accepted run's output)."""
    script = workspace.script
    if kind == "traces":
        out_dir = folder / "students"
        yield (workspace.distill_argv(path, out_dir), [out_dir],
               lambda out: None if distill_answer(out) == workspace.distill_answer
               else "the distilled student differs")
        yield [script, "inspect", str(path), "--json"], [], None
        return
    expected = workspace.teacher_answer if kind == "teacher" else workspace.student_answer
    yield (workspace.evaluate_argv(path), [],
           lambda out: None if answer(out) == expected else f"metrics {answer(out)}")
    header = folder / "model.h"
    header.write_text("// an existing header\n")
    check = None
    if kind == "student":
        # The code and weights, after the opening comment (which quotes the labels and the
        # dataset name: string attributes, see "string contents" in the README's guarantees).
        def code(text: str) -> str:
            return text.split("#ifndef", 1)[-1]
        check = lambda out: None if code(header.read_text()) == code(workspace.student_header) \
            else "different code or weights in the header"
    yield [script, "export-c", "--checkpoint", str(path), "--out", str(header)], [header], check
    yield [script, "inspect", str(path)], [], None
    if kind == "teacher":
        yield [script, "train-teacher", "--resume", str(path), "--quiet"], [path], None


def cases(workspace: Workspace, rng: random.Random) -> Iterator[Case]:
    index = 0
    sources = {"teacher": workspace.teacher, "student": workspace.student,
               "traces": workspace.traces}
    while True:
        index += 1
        kind = rng.choice(list(sources))
        folder = workspace.scratch(f"hdf5-{index % 8}")
        path = folder / f"{kind}.h5"
        shutil.copy(sources[kind], path)
        data = path.read_bytes()
        roll = rng.random()
        if roll < 0.3:
            damaged, label = truncation(data, rng)
            path.write_bytes(damaged)
            expect = frozenset({"refused"})
        elif roll < 0.7:
            damaged, label = flip(path, data, rng)
            path.write_bytes(damaged)
            expect = frozenset({"refused", "accepted"})
        else:
            try:
                label = h5py_edit(path, rng)
            except Exception as error:  # an edit h5py itself refuses: try another
                continue
            expect = frozenset({"refused", "accepted"})
        options = list(readers(workspace, kind, path, folder))
        argv, watched, check = rng.choice(options)
        accepted_check = check if roll < 0.7 else None
        if argv[1] == "inspect":  # a viewer: it may show what a damaged file holds
            expect = frozenset({"refused", "accepted"})
        inputs = [] if argv[1] == "train-teacher" else [path]
        yield Case("hdf5", f"{argv[1]} of {kind}: {label}", argv, expect, [str(path)],
                   watched=watched, inputs=inputs, check=accepted_check)
