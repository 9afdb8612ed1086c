"""Print a generated conference programme as TOML: python -m scheduler.generate."""

from __future__ import annotations

from .programmes import main

if __name__ == "__main__":
    main()
