"""Read a YAML file defensively and keep where every key and value came from.

The data itself comes from ``yaml.safe_load``; before that, the file is composed into
nodes (no object is constructed) so that hazards are reported as problems rather than
crashes: non-UTF-8 bytes, duplicate keys, non-standard tags, alias bombs, deep nesting.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from deployer.spec.problems import (
    DOCUMENT,
    PathElem,
    Problem,
    SpecError,
    file_problem,
    format_path,
)

MAX_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64

# Plain YAML only: anything else (python/object, !!binary, custom tags) is refused.
_ALLOWED_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
_MERGE_KEY = "tag:yaml.org,2002:merge"

Position = tuple[int, int]
YamlPath = tuple[PathElem, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data plus 1-based (line, column) of each value and each mapping key."""

    file: str
    data: Any
    values: dict[YamlPath, Position] = field(default_factory=dict)
    keys: dict[YamlPath, Position] = field(default_factory=dict)

    def position(self, path: YamlPath, *, key: bool = False) -> Position:
        """Best known position for ``path``: itself, else its nearest ancestor."""
        table = self.keys if key else self.values
        for cut in range(len(path), -1, -1):
            where = table.get(path[:cut]) or self.values.get(path[:cut])
            if where:
                return where
        return (1, 1)

    def problem(self, path: YamlPath, message: str, *, key: bool = False) -> Problem:
        line, col = self.position(path, key=key)
        return Problem(self.file, line, col, format_path(path), message)


def read_text(path: Path, shown: str) -> str:
    """Return the file as text, or raise a one-line problem saying what is wrong."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise file_problem(shown, "is a directory, not a YAML file") from None
    except FileNotFoundError:
        raise file_problem(shown, "file not found") from None
    except OSError as exc:
        raise file_problem(shown, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise file_problem(shown, f"file is larger than {MAX_BYTES // 1024} KiB; refusing to parse")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise file_problem(shown, _encoding_hint(raw), line=line) from None
    if "\x00" in text:
        raise file_problem(shown, "contains NUL bytes; this is not a text file")
    return text


def _encoding_hint(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        guess = "UTF-16"
    elif _looks_chinese(raw):
        # Short Chinese texts fool statistical detectors; GB18030 is what Windows tools write.
        guess = "GB18030"
    else:
        best = from_bytes(raw).best()
        guess = best.encoding.upper().replace("_", "-") if best else "unknown"
    return (
        f"file is not UTF-8 (it looks like {guess}); convert it, e.g. iconv -f {guess} -t UTF-8"
        if guess != "unknown"
        else "file is not UTF-8 and its encoding could not be recognised"
    )


def _looks_chinese(raw: bytes) -> bool:
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    high = sum(1 for byte in raw if byte >= 0x80)
    return han > 0 and han * 2 >= high * 0.9


def parse(text: str, shown: str) -> YamlDocument:
    """Compose, vet and load one YAML document from ``text``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(exc, shown) from None
    except yaml.YAMLError as exc:
        raise file_problem(shown, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise file_problem(shown, f"nesting is deeper than {MAX_DEPTH} levels") from None
    if node is None:
        raise file_problem(shown, "file is empty; expected a YAML mapping with apiVersion and kind")
    walker = _NodeWalker(shown)
    walker.check(node)
    if walker.problems:
        raise SpecError(walker.problems)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(exc, shown) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise file_problem(shown, f"invalid YAML: {exc}") from None
    return YamlDocument(shown, data, walker.values, walker.keys)


def load(path: Path, shown: str | None = None) -> YamlDocument:
    shown = shown if shown is not None else str(path)
    return parse(read_text(path, shown), shown)


def _yaml_problem(exc: yaml.MarkedYAMLError, shown: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        what = f"{exc.context}, {exc.problem}"
    if "expected a single document" in str(exc):
        what = "expected one YAML document, found several (remove the extra '---')"
    return SpecError([Problem(shown, line, col, DOCUMENT, f"YAML syntax error: {what}")])


def _pos(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _NodeWalker:
    """Walks the composed node graph once, collecting hazards and positions."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        self.values: dict[YamlPath, Position] = {}
        self.keys: dict[YamlPath, Position] = {}
        self._sizes: dict[int, int] = {}
        self._in_progress: set[int] = set()

    def check(self, root: yaml.Node) -> None:
        try:
            size = self._size(root)
        except _Refused as refused:
            self.problems.append(refused.problem)
            return
        if size > MAX_EXPANDED_NODES:
            self._add(
                root,
                f"document expands to more than {MAX_EXPANDED_NODES} nodes "
                "through aliases (alias bomb?); refusing to load",
            )
            return
        self._visit(root, (), 0)

    def _add(self, node: yaml.Node, message: str, path: YamlPath = ()) -> None:
        line, col = _pos(node)
        self.problems.append(
            Problem(self.shown, line, col, format_path(path) if path else DOCUMENT, message)
        )

    def _size(self, node: yaml.Node) -> int:
        """Node count with aliases expanded, memoised so a bomb is measured, not built."""
        ident = id(node)
        if ident in self._sizes:
            return self._sizes[ident]
        if ident in self._in_progress:
            line, col = _pos(node)
            raise _Refused(
                Problem(self.shown, line, col, DOCUMENT, "recursive alias: a node contains itself")
            )
        self._in_progress.add(ident)
        total = 1 + sum(self._size(child) for child in _children(node))
        self._in_progress.discard(ident)
        self._sizes[ident] = min(total, MAX_EXPANDED_NODES + 1)
        return self._sizes[ident]

    def _visit(self, node: yaml.Node, path: YamlPath, depth: int) -> None:
        if depth > MAX_DEPTH:
            self._add(node, f"nesting is deeper than {MAX_DEPTH} levels", path)
            return
        if node.tag not in _ALLOWED_TAGS:
            self._add(
                node,
                f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
                "only plain YAML values are accepted",
                path,
            )
            return
        self.values.setdefault(path, _pos(node))
        if isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self._visit(child, (*path, index), depth + 1)
        elif isinstance(node, yaml.MappingNode):
            self._visit_mapping(node, path, depth)

    def _visit_mapping(self, node: yaml.MappingNode, path: YamlPath, depth: int) -> None:
        seen: dict[object, Position] = {}
        for key_node, value_node in _merged_pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                self._add(key_node, "mapping keys must be plain scalars", path)
                continue
            key = key_node.value
            if key in seen and key_node.tag != _MERGE_KEY:
                first = seen[key][0]
                self._add(
                    key_node, f"duplicate key '{key}' (first defined on line {first})", (*path, key)
                )
                continue
            seen[key] = _pos(key_node)
            child_path = (*path, _key_value(key_node))
            self.keys.setdefault(child_path, _pos(key_node))
            self._visit(value_node, child_path, depth + 1)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _merged_pairs(node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
    """Mapping pairs with ``<<: *anchor`` merges flattened; explicit keys win, as in safe_load."""
    explicit = [(k, v) for k, v in node.value if k.tag != _MERGE_KEY]
    names = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
    yield from explicit
    for key, value in node.value:
        if key.tag != _MERGE_KEY:
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                continue
            for pair in _merged_pairs(source):
                if isinstance(pair[0], yaml.ScalarNode) and pair[0].value not in names:
                    names.add(pair[0].value)
                    yield pair


def _key_value(key_node: yaml.ScalarNode) -> PathElem:
    """The key as safe_load will see it (so pydantic locations line up with positions)."""
    try:
        value = yaml.safe_load(key_node.value) if key_node.style is None else key_node.value
    except yaml.YAMLError:
        return str(key_node.value)
    return value if isinstance(value, str | int) and not isinstance(value, bool) else str(value)
