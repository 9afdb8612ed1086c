"""festival: plan a festival programme with CP-SAT and publish it as calendar feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("festival-scheduler")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
