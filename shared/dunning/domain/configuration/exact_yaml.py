"""YAML with exact numbers: floats are read as `Decimal` from their source text,
never through `float`, and a key given twice is reported instead of overwritten.

The file comes from people, so reading it is bounded: its size, how deeply its
values nest (composing recurses once per level) and how many values it stands
for once its aliases are expanded (a few hundred bytes of nested anchors can
stand for billions of values, and every later walk over them would pay for
each). Past a bound the file is refused with a ConfigError naming its line.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import yaml

from dunning.domain.configuration.errors import ConfigError

# A large real file (hundreds of subsidiaries and procedures) is far smaller.
MAX_DOCUMENT_CHARS = 1_048_576
# The deepest setting sits a handful of levels down (procedures[].levels[].fee.EUR).
MAX_DEPTH = 32
# Values the document stands for, aliases expanded: a large real file has a few
# tens of thousands; a walk over this many stays well under a second.
MAX_EXPANDED_NODES = 250_000
# An integer written with more characters is kept as its text (`LongNumber`):
# converting a long one is slow (quadratic) and one of over 4300 digits raises.
MAX_INTEGER_CHARS = 30


class LongNumber(str):
    """An integer scalar too long for any setting, kept unconverted as its text;
    the checker refuses it with its key path."""


def _line(node_or_event: Any) -> str:
    return f"line {node_or_event.start_mark.line + 1}"


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that keeps floats as Decimal, remembers duplicate keys, and
    bounds depth and alias expansion while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []
        self._depth = 0
        # Expanded size (the node and everything under it) of every composed node.
        self._sizes: dict[yaml.Node, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            # A node without its size is still being composed: the alias is inside its anchor.
            if node is None or node not in self._sizes:
                raise ConfigError([f"{_line(event)}: alias *{event.anchor} refers to itself"])
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConfigError([f"{_line(event)}: values nest more than {MAX_DEPTH} levels deep"])
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        size = 1 + sum(map(self._sizes.__getitem__, _children(node)))
        if size > MAX_EXPANDED_NODES:
            raise ConfigError(
                [
                    f"{_line(node)}: with its aliases expanded this value holds more than "
                    f"{MAX_EXPANDED_NODES:,} values"
                ]
            )
        self._sizes[node] = size
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        # PyYAML silently keeps the last of two equal keys; a second `fee:` is a typo to report.
        self.flatten_mapping(node)
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                self.duplicate_keys.append(f"{_line(key_node)}: duplicate key {key!r}")
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | LongNumber:
    text = str(loader.construct_scalar(node))
    if len(text) > MAX_INTEGER_CHARS:
        return LongNumber(text)
    return int(yaml.SafeLoader.construct_yaml_int(loader, node))


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML lets a ValueError escape for 2026-02-30 or year 0000: name the line instead.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise ConfigError([f"{_line(node)}: {node.value!r} is not a valid date ({exc})"]) from None


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_ExactLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(text: str) -> Any:
    """yaml.safe_load with Decimal floats; ConfigError on syntax errors, duplicate keys,
    or a file past the bounds above."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ConfigError(
            [f"(yaml): the file has {len(text):,} characters, at most {MAX_DOCUMENT_CHARS:,}"]
        )
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
