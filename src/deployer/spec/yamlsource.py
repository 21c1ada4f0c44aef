"""Read a YAML file defensively and keep where every key and value came from.

The file is first composed into nodes (no object is constructed) so that hazards are
reported as problems rather than crashes: non-UTF-8 bytes, duplicate keys, non-standard
tags, alias bombs, deep nesting. Only then does the safe constructor (the one behind
``yaml.safe_load``) build the data from those same nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deployer.spec.encoding import read_text
from deployer.spec.problems import (
    PathElem,
    Problem,
    SpecError,
    file_problem,
    format_path,
    quote_key,
)

MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64

#: libyaml's parser where PyYAML was built with it: a 100-host spec composes in a tenth of
#: the pure-Python parser's 0.15 s. It only parses (libyaml caps nesting at 1000 levels); the
#: nodes are vetted and constructed as below either way. A text it refuses is parsed again by
#: the pure-Python parser, whose messages and positions the spec's problems are written for.
#: (A plain scalar's style is '' from libyaml and None from the other: tests use ``not``.)
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Plain YAML only: anything else (python/object, !!binary, custom tags) is refused.
_ALLOWED_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)
_MERGE_KEY = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_CHECKED_SCALARS = ("int", "float", "bool", "timestamp")
_KIND_NAMES = {
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "null": "null",
    "timestamp": "a date",
}

Position = tuple[int, int]
YamlPath = tuple[PathElem, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data plus 1-based (line, column) of each value and each mapping key."""

    file: str
    data: Any
    values: dict[YamlPath, Position] = field(default_factory=dict)
    keys: dict[YamlPath, Position] = field(default_factory=dict)
    #: Source text of unquoted values that YAML did not read as text (5.7, yes, 2024-01-01).
    plain: dict[YamlPath, str] = field(default_factory=dict)

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


def parse(text: str, shown: str) -> YamlDocument:
    """Compose, vet and load one YAML document from ``text``."""
    try:
        node = _compose(text)
    except RecursionError:
        raise file_problem(shown, f"nesting is deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, text, shown) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style):
        raise file_problem(shown, "file is empty; expected a YAML mapping with apiVersion and kind")
    walker = _NodeWalker(shown)
    walker.check(node)
    if walker.problems:
        raise SpecError(walker.problems)
    try:
        data = _construct(node)
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, text, shown) from None
    return YamlDocument(shown, data, walker.values, walker.keys, walker.plain)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _construct(node: yaml.Node) -> Any:
    """What ``yaml.safe_load`` returns, built from the vetted nodes instead of parsing twice."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load(path: Path, shown: str | None = None) -> YamlDocument:
    shown = shown if shown is not None else str(path)
    return parse(read_text(path, shown), shown)


def _yaml_problem(exc: yaml.YAMLError, text: str, shown: str) -> SpecError:
    if isinstance(exc, yaml.reader.ReaderError):
        # Raised before any mark exists; its position is an offset into the text.
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - text.rfind("\n", 0, exc.position)
        what = f"character U+{exc.character:04X} is not allowed in YAML (control character)"
        return file_problem(shown, f"YAML syntax error: {what}", line, col)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return file_problem(shown, f"YAML syntax error: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        what = f"{exc.context}, {exc.problem}"
    if "expected a single document" in str(exc):
        what = "expected one YAML document, found several (remove the extra '---')"
    # The constructor complains about tags that do not fit (!!map on a list), not syntax.
    kind = "error" if isinstance(exc, yaml.constructor.ConstructorError) else "syntax error"
    return file_problem(shown, f"YAML {kind}: {what}", line, col)


def _pos(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _NodeWalker:
    """Walks the composed node graph, collecting hazards and positions."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        self.values: dict[YamlPath, Position] = {}
        self.keys: dict[YamlPath, Position] = {}
        self.plain: dict[YamlPath, str] = {}
        self._sizes: dict[int, int] = {}
        self._in_progress: set[int] = set()

    def check(self, root: yaml.Node) -> None:
        try:
            size = self._size(root, 1)
        except _Refused as refused:
            self._add(refused.node, refused.message)
            return
        if size > MAX_EXPANDED_NODES:
            self._add(
                root,
                f"document expands to more than {MAX_EXPANDED_NODES} nodes "
                "through aliases (alias bomb?); refusing to load",
            )
            return
        self._visit(root, ())

    def _add(self, node: yaml.Node, message: str, path: YamlPath = ()) -> None:
        line, col = _pos(node)
        self.problems.append(Problem(self.shown, line, col, format_path(path), message))

    def _size(self, node: yaml.Node, depth: int) -> int:
        """Node count with aliases expanded, memoised so a bomb is measured, not built.

        Bounding the depth here also bounds the recursion of everything that follows.
        """
        ident = id(node)
        if ident in self._sizes:
            return self._sizes[ident]
        if ident in self._in_progress:
            raise _Refused(node, "recursive alias: the node anchored here contains itself")
        if depth > MAX_DEPTH:
            raise _Refused(node, f"nesting is deeper than {MAX_DEPTH} levels")
        self._in_progress.add(ident)
        total = 1 + sum(self._size(child, depth + 1) for child in _children(node))
        self._in_progress.discard(ident)
        self._sizes[ident] = min(total, MAX_EXPANDED_NODES + 1)
        return self._sizes[ident]

    def _refuse_tag(self, node: yaml.Node, path: YamlPath) -> bool:
        if node.tag in _ALLOWED_TAGS:
            return False
        self._add(
            node,
            f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed; "
            "only plain YAML values are accepted",
            path,
        )
        return True

    def _visit(self, node: yaml.Node, path: YamlPath) -> None:
        if self._refuse_tag(node, path):
            return
        self.values.setdefault(path, _pos(node))
        if isinstance(node, yaml.ScalarNode):
            self._visit_scalar(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self._visit(child, (*path, index))
        elif isinstance(node, yaml.MappingNode):
            self._visit_mapping(node, path)

    def _visit_scalar(self, node: yaml.ScalarNode, path: YamlPath) -> None:
        kind = node.tag.removeprefix("tag:yaml.org,2002:")
        if kind in _CHECKED_SCALARS and not _constructs(node, kind):
            # e.g. 2024-13-45 (a date by its looks), 0x_ (a number), !!bool maybe
            hint = "; quote it if it is text" if not node.style else ""
            self._add(node, f"this value cannot be read as {_KIND_NAMES[kind]}{hint}", path)
        elif not node.style and kind != "str":
            self.plain.setdefault(path, node.value)

    def _visit_mapping(self, node: yaml.MappingNode, path: YamlPath) -> None:
        seen: dict[str, Position] = {}
        for key_node, value_node in _merged_pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                self._add(key_node, "mapping keys must be plain text, not lists or mappings", path)
                continue
            key = key_node.value
            if self._refuse_tag(key_node, path):
                continue
            if key_node.tag != _STR:
                # 'on:', '1:' or '2024-01-01:' are not the text they look like once loaded.
                kind = key_node.tag.replace("tag:yaml.org,2002:", "")
                self._add(
                    key_node,
                    f"key {quote_key(key)} is read as {_KIND_NAMES.get(kind, kind)}, not text; "
                    "quote it",
                    (*path, key),
                )
                continue
            if key in seen:
                first = seen[key][0]
                self._add(
                    key_node,
                    f"duplicate key {quote_key(key)} (first defined on line {first})",
                    (*path, key),
                )
                continue
            seen[key] = _pos(key_node)
            self.keys.setdefault((*path, key), _pos(key_node))
            self._visit(value_node, (*path, key))


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _constructs(node: yaml.ScalarNode, kind: str) -> bool:
    """Whether the safe constructor can build this scalar.

    For values its resolver or an explicit tag let through (2024-02-30, 0x_, ``!!int ''``,
    ``!!bool maybe``, a 5000-digit number) PyYAML raises plain Python errors, not YAMLError.
    """
    construct = getattr(yaml.constructor.SafeConstructor(), f"construct_yaml_{kind}")
    try:
        construct(node)
    except (ValueError, KeyError, IndexError, AttributeError, OverflowError):
        return False
    return True


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
                continue  # safe_load reports it as a YAML error
            for pair in _merged_pairs(source):
                if isinstance(pair[0], yaml.ScalarNode) and pair[0].value not in names:
                    names.add(pair[0].value)
                    yield pair
