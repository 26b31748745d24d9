"""The peer each benchmark measures against must be installed; say how, rather than fail later.

The peers are benchmark-only dependencies (``pip install -e '.[bench]'``): a missing one would
otherwise surface as an ImportError, or as a child process's traceback, in the middle of a run.
"""

from __future__ import annotations

import importlib.util


def require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise SystemExit(f"{package} is not installed: pip install -e '.[bench]' "
                         f"(the benchmark-only dependencies) or pip install '{package}'")
