"""YAML with exact numbers: floats are read as `Decimal` from their source text,
never through `float`, and a key given twice is reported instead of overwritten."""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import yaml

from dunning.domain.configuration.errors import ConfigError


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that keeps floats as Decimal and remembers duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        # PyYAML silently keeps the last of two equal keys; a second `fee:` is a typo to report.
        self.flatten_mapping(node)
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                self.duplicate_keys.append(
                    f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_float_to_decimal(text: str) -> Decimal:
    """Decimal value of a YAML 1.1 float scalar, from its text (no float round trip)."""
    cleaned = text.replace("_", "").strip()
    lowered = cleaned.lower()
    sign = -1 if lowered.startswith("-") else 1
    unsigned = lowered.lstrip("+-")
    if unsigned == ".inf":
        return Decimal("Infinity") * sign
    if unsigned == ".nan":
        return Decimal("NaN")
    if ":" in unsigned:  # sexagesimal, e.g. 1:30.5 (YAML 1.1)
        value = Decimal(0)
        for part in unsigned.split(":"):
            value = value * 60 + Decimal(part)
        return value * sign
    return Decimal(cleaned)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return _yaml_float_to_decimal(str(loader.construct_scalar(node)))


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml(text: str) -> Any:
    """yaml.safe_load with Decimal floats; ConfigError on syntax errors or duplicate keys."""
    loader = _ExactLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError([f"(yaml): {exc}".replace("\n", " ")]) from exc
    finally:
        loader.dispose()
    if loader.duplicate_keys:
        raise ConfigError(loader.duplicate_keys)
    return data
