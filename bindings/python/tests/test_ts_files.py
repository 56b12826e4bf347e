"""`.ts` files (UEA / aeon format): `memkd.load_ts` reads what aeon's own reader reads, and a
folder of `.ts` files loads through `memkd.load_ucr` (and so the CLI and pipelines) as aeon's
[N, C, T] with each channel resampled and z-normalised on its own."""

import pathlib

import numpy as np
import pytest

import memkd

aeon_datasets = pytest.importorskip("aeon.datasets")
DATA = pathlib.Path(aeon_datasets.__file__).parent / "data"


@pytest.mark.parametrize("name", ["BasicMotions", "JapaneseVowels"])
def test_load_ts_equals_aeon(name):
    for split in ("TRAIN", "TEST"):
        path = DATA / name / f"{name}_{split}.ts"
        X, y = memkd.load_ts(path)
        X_aeon, y_aeon = aeon_datasets.load_from_ts_file(str(path))
        # aeon lower-cases labels ("Standing" -> "standing"); memkd keeps the file's spelling.
        assert [label.lower() for label in y] == list(y_aeon)
        if isinstance(X_aeon, np.ndarray):
            assert isinstance(X, np.ndarray) and X.shape == X_aeon.shape
            np.testing.assert_array_equal(X, X_aeon)
        else:
            assert len(X) == len(X_aeon)
            for ours, theirs in zip(X, X_aeon):
                np.testing.assert_array_equal(ours, theirs)


def test_multichannel_dataset_through_load_ucr():
    data = memkd.load_ucr("BasicMotions", root=DATA, length=50)
    assert data.X_train.shape == (40, 6, 50) and data.X_test.shape == (40, 6, 50)
    assert sorted(data.class_labels) == ["Badminton", "Running", "Standing", "Walking"]
    X, y = memkd.load_ts(DATA / "BasicMotions" / "BasicMotions_TRAIN.ts")
    np.testing.assert_array_equal(data.X_train, memkd.preprocess(X, length=50))
    assert [data.class_labels[k] for k in data.y_train] == list(y)


def test_variable_length_dataset_is_resampled():
    data = memkd.load_ucr("JapaneseVowels", root=DATA, length=30)
    assert data.X_train.shape == (270, 12, 30)
    X, _ = memkd.load_ts(DATA / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts")
    assert isinstance(X, list) and len({x.shape[1] for x in X}) > 1
    np.testing.assert_array_equal(data.X_train, memkd.preprocess(X, length=30))


def test_malformed_file_names_file_and_line(tmp_path):
    path = tmp_path / "Bad_TRAIN.ts"
    path.write_text("@problemName Bad\n@classLabel true a b\n@data\n1,2,x:a\n")
    with pytest.raises(ValueError, match=r"Bad_TRAIN.ts line 4: non-numeric token 'x'"):
        memkd.load_ts(path)
    with pytest.raises(OSError, match="file not found"):
        memkd.load_ts(tmp_path / "missing.ts")
