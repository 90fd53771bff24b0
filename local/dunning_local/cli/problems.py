"""Configuration problems as a person reads them: the file, the line and the key path,
a procedure or subsidiary named by its id rather than its place in the list.

ConfigError names each problem by a 0-based key path (`procedures[0].levels[1].days:
must be a whole number`); here that path is looked up in the YAML to find its line.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dunning.domain.configuration.parse import ConfigError

_STEP = re.compile(r"\.?([A-Za-z_][\w-]*)|\[(\d+)\]")
_NAMED = {"subsidiaries", "procedures"}  # lists whose items carry an id


def config_problems(path: Path, error: ConfigError) -> list[str]:
    """One line per problem: `FILE:LINE: key.path[ID].key: reason`."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        root = None
    return [_located(path, root, problem) for problem in error.problems]


def _located(path: Path, root: yaml.Node | None, problem: str) -> str:
    key_path, sep, reason = problem.partition(": ")
    steps = _steps(key_path)
    if root is None or not sep or steps is None:
        return f"{path}: {problem}"
    node: yaml.Node | None = root
    found: yaml.Node = root
    shown, parent_key = "", ""
    for n, (key, index) in enumerate(steps):
        if key is not None:
            shown += f".{key}" if shown else key
            node = _value(node, key)
            parent_key = key
        else:
            item = _item(node, index)
            ident = _value(item, "id") if parent_key in _NAMED else None
            named = isinstance(ident, yaml.ScalarNode) and ident.value
            shown += f"[{ident.value}]" if named and ident is not None else f"[{index}]"
            node = item
        if node is None:  # not in the file (a missing key): the rest of the path as it is
            shown += "".join(f".{k}" if k is not None else f"[{i}]" for k, i in steps[n + 1 :])
            break
        found = node
    return f"{path}:{found.start_mark.line + 1}: {shown}{sep}{reason}"


def _steps(key_path: str) -> list[tuple[str | None, int]] | None:
    steps: list[tuple[str | None, int]] = []
    at = 0
    while at < len(key_path):
        match = _STEP.match(key_path, at)
        if match is None:
            return None
        steps.append((match[1], 0) if match[1] else (None, int(match[2])))
        at = match.end()
    return steps


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _item(node: yaml.Node | None, index: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and 0 <= index < len(node.value):
        return node.value[index]
    return None
