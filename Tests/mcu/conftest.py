# Lets the MCU tests import the in-tree package (bindings/python/memkd) without installing it.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
