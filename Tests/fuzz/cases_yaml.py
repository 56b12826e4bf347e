"""Generated pipeline files: valid ones with random damage to their tree (types, values, keys,
sizes), to their text (bytes, truncation, indentation), and YAML's own hazards (deep nesting,
alias bombs, tags, documents), read by `memkd-script status`, which validates a file and
counts its steps without running any."""

from __future__ import annotations

import copy
import json
import random
from typing import Iterator

from fuzz_cli import Case
from workspace import DATA, Workspace

METHODS = ["base", "base-kd", "memkd", "dkd", "rkd", "vid", "nst", "at", "fitnet", "dt2w"]
STRANGE = [None, True, False, 0, -1, 1, 2**31, 2**63, 2**70, -(2**63), 1e308, -0.0, 0.5, "",
           "nan", ".nan", ".inf", "-.inf", "x" * 300, "\u00e9\u4e2d", [], {}, [1, 2], {"a": 1},
           [[[]]], "~", "null", "1e400", "0x10", "0o17", "1_000"]
KEYS = ["name", "output", "data", "root", "datasets", "teacher", "students", "method", "beta",
        "seeds", "terms", "long_pairs", "normalization", "epochs", "lr", "hidden", "layers",
        "inits", "teacher_layer", "short_weight", "long_weight", "cell", "length", "z_normalize",
        "batch_size", "patience", "clip", "temperature", "alpha", "unknown_key", "<<"]


def base_pipeline(rng: random.Random, output: str) -> dict:
    students = [{"method": "base"}]
    for _ in range(rng.randint(1, 3)):
        method = rng.choice(METHODS)
        student = {"method": method}
        if method != "base":
            student["beta"] = rng.choice([1, 10, [1, 10]])
        if method == "memkd" and rng.random() < 0.5:
            student["terms"] = rng.choice(["both", ["short", "long"]])
        students.append(student)
    return {"name": "fuzz", "output": output,
            "data": {"root": str(DATA), "datasets": ["ItalyPowerDemand"]},
            "teacher": {"inits": rng.randint(1, 3)}, "students": students,
            "seeds": rng.randint(1, 3)}


def nodes(tree, path=()):
    yield path, tree
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from nodes(value, path + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from nodes(value, path + (index,))


def mutate_tree(tree: dict, rng: random.Random) -> tuple[dict, str]:
    tree = copy.deepcopy(tree)
    path, _ = rng.choice([(p, n) for p, n in nodes(tree) if p])
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = rng.choice(["replace", "replace", "delete", "add-key", "grow-list"])
    if action == "replace":
        parent[last] = rng.choice(STRANGE + [rng.choice(METHODS)])
    elif action == "delete":
        del parent[last]
    elif action == "add-key" and isinstance(parent, dict):
        parent[rng.choice(KEYS)] = rng.choice(STRANGE + [rng.choice(METHODS)])
    elif isinstance(parent[last], list):
        parent[last] = parent[last] * rng.choice([2, 50, 1000])
    else:
        parent[last] = [parent[last]] * rng.choice([2, 200])
    return tree, f"{action} {'/'.join(map(str, path))}"


def block(tree, indent=0) -> str:
    """Block-style YAML of a tree of dicts, lists and JSON scalars."""
    pad = "  " * indent
    if isinstance(tree, dict) and tree:
        return "".join(f"{pad}{json.dumps(str(k))}:" + (
            "\n" + block(v, indent + 1) if isinstance(v, (dict, list)) and v else
            " " + json.dumps(v) + "\n") for k, v in tree.items())
    if isinstance(tree, list) and tree:
        return "".join(f"{pad}-" + ("\n" + block(v, indent + 1) if isinstance(v, (dict, list))
                                    and v else " " + json.dumps(v) + "\n") for v in tree)
    return pad + json.dumps(tree) + "\n"


def hazard(rng: random.Random, output: str) -> tuple[str, str]:
    kind = rng.choice(["nesting", "alias-bomb", "tag", "documents", "duplicate-key", "anchor",
                       "long-scalar", "flow-nesting"])
    if kind == "nesting":
        depth = rng.choice([100, 511, 513, 2000, 5000, 20000])
        return f"deep block nesting {depth}", "students:\n" + "".join(
            "  " * i + "-\n" for i in range(depth))
    if kind == "flow-nesting":
        depth = rng.choice([100, 600, 5000, 50000])
        return f"deep flow nesting {depth}", "seeds: " + "[" * depth + "]" * depth + "\n"
    if kind == "alias-bomb":
        levels = rng.choice([3, 6, 9])
        lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
        lines.append(f"students: *a{levels - 1}")
        return f"alias bomb 10^{levels}", "\n".join(lines) + f"\noutput: {output}\n"
    if kind == "tag":
        tag = rng.choice(["!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=",
                          "!custom 3", "!!timestamp 2001-12-14", "!!set {a, b}"])
        return f"tag {tag}", f"name: fuzz\noutput: {output}\nseeds: {tag}\n"
    if kind == "documents":
        return "two documents", f"name: a\noutput: {output}\n---\nname: b\n"
    if kind == "duplicate-key":
        return "duplicate key", f"name: a\nname: b\noutput: {output}\nseeds: 1\nseeds: 2\n"
    if kind == "anchor":
        return "merge keys", (f"base: &b {{method: memkd, beta: 1}}\noutput: {output}\n"
                              "students:\n  - <<: *b\n  - <<: *b\n    beta: [1, 2]\n")
    return "long scalar", f"name: {'n' * 1_000_000}\noutput: {output}\n"


def mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    data = bytearray(text.encode())
    kind = rng.choice(["bytes", "truncate", "indent", "tabs", "swap-lines"])
    if kind == "bytes":
        positions = [rng.randrange(len(data)) for _ in range(rng.randint(1, 6))]
        for position in positions:
            data[position] = rng.randrange(256)
        return data.decode("utf-8", "replace"), f"bytes at {positions}"
    if kind == "truncate":
        cut = rng.randrange(len(data))
        return data[:cut].decode("utf-8", "replace"), f"cut at {cut}"
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    if kind == "indent":
        lines[i] = " " * rng.choice([1, 3, 7]) + lines[i]
    elif kind == "tabs":
        lines[i] = lines[i].replace("  ", "\t")
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n", f"{kind} line {i}"


def cases(workspace: Workspace, rng: random.Random) -> Iterator[Case]:
    index = 0
    while True:
        index += 1
        folder = workspace.scratch(f"yaml-{index % 8}")
        output = str(folder / "run")
        tree = base_pipeline(rng, output)
        roll = rng.random()
        if roll < 0.5:
            for _ in range(rng.randint(1, 3)):
                tree, label = mutate_tree(tree, rng)
            text = block(tree) if rng.random() < 0.7 else json.dumps(tree)
        elif roll < 0.8:
            text, label = mutate_text(block(tree), rng)
        else:
            label, text = hazard(rng, output)
        path = folder / "pipeline.yaml"
        path.write_text(text, errors="replace")
        yield Case("yaml", f"status: {label}", [workspace.script, "status", str(path), "--json"],
                   frozenset({"accepted", "refused"}),
                   [str(path), str(DATA), "data root", "unknown dataset"],
                   inputs=[path],
                   timeout=60)
