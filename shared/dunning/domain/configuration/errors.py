"""The one error a configuration file can raise."""

from __future__ import annotations


class ConfigError(ValueError):
    """The configuration is invalid; `.problems` lists every problem with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"invalid dunning configuration ({len(self.problems)} problems):\n{listing}"
        )
