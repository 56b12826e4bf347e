"""memkd.Stream: step-by-step inference equals the batch model."""

import numpy as np
import pytest

import memkd


def _model(input_size=1, classes=3, seed=1):
    model = memkd.Student(input_size=input_size, classes=classes, seed=seed)
    model.load_state_dict(model.state_dict())  # weights from the seed's initialisation
    return model


def _series(count, length, channels, seed):
    rng = np.random.default_rng(seed)
    shape = (count, length) if channels == 1 else (count, length, channels)
    return rng.uniform(-2, 2, size=shape).astype(np.float32)


@pytest.mark.parametrize("input_size", [1, 2])
def test_stream_equals_batch_probabilities(input_size):
    model = _model(input_size=input_size)
    X = _series(4, 30, input_size, seed=3)
    batch = model.predict_proba(X)
    stream = memkd.Stream(model)
    for row in range(X.shape[0]):
        stream.reset()
        for t in range(X.shape[1]):
            probabilities = stream.step(X[row, t])
        assert stream.steps == X.shape[1]
        np.testing.assert_allclose(probabilities, batch[row], atol=1e-6)


def test_chunks_equal_steps():
    model = _model()
    x = _series(1, 40, 1, seed=5)[0]
    a = memkd.Stream(model)
    a.step(x[:25])
    chunked = a.step(x[25:])
    b = memkd.Stream(model)
    for value in x:
        stepped = b.step(value)
    np.testing.assert_array_equal(chunked, stepped)


def test_running_normalisation_and_bad_input():
    model = _model()
    stream = memkd.Stream(model, preprocessing="running-z-normalization")
    probabilities = stream.step(np.linspace(0, 10, 20))
    assert probabilities.shape == (3,) and abs(float(probabilities.sum()) - 1) < 1e-5
    with pytest.raises(ValueError, match="preprocessing"):
        memkd.Stream(model, preprocessing="whatever")
    with pytest.raises(ValueError, match="values"):
        stream.step([np.nan])
    with pytest.raises(TypeError):
        memkd._memkd.stream_step("not a stream", np.zeros(3, dtype=np.float32))
