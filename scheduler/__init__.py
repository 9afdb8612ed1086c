"""festival: plan a festival programme with CP-SAT and publish it as calendar feeds."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata only when asked for (it is slow)."""
    if name != "__version__":
        raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("festival-scheduler")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0"
