"""The extension releases the GIL while it trains: another Python thread keeps running."""

from __future__ import annotations

import threading
import time

import numpy as np

import memkd


def test_a_python_thread_runs_while_fit_trains():
    # Big enough for a second of training with the release extension.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 200)).astype(np.float32)
    y = (X[:, :20].mean(axis=1) > 0).astype(np.int64)
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    seen = []
    model = memkd.LSTMClassifier(hidden_size=64, layers=2, seed=0)
    worker = threading.Thread(target=count, daemon=True)
    worker.start()
    try:
        time.sleep(0.05)
        start_count, start = counter[0], time.perf_counter()
        # The callback runs with the GIL held between epochs: it records the counter there.
        model.fit(X[60:], y[60:], X[:60], y[:60], epochs=4, patience=100, threads=1, callback=lambda info: seen.append(counter[0]))
        elapsed, during = time.perf_counter() - start, counter[0] - start_count
    finally:
        stop.set()
        worker.join()
    assert len(seen) == 4
    assert elapsed > 0.2, f"fit took only {elapsed:.2f} s: too short to show anything"
    # A thread spinning on the GIL alone counts millions per second; held by `fit`, it would
    # be stuck at the values it had at the epoch boundaries.
    steps = [b - a for a, b in zip(seen, seen[1:])]
    assert min(steps) > 10_000, f"counter advanced {steps} between epochs ({elapsed:.2f} s)"
    assert during / elapsed > 100_000, f"{during} increments in {elapsed:.2f} s"
