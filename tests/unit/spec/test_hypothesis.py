"""No input makes ``deployer validate`` crash: any bytes, text or YAML gives exit 0 or 3.

Inputs are arbitrary bytes and text, documents built from YAML tokens (anchors, aliases,
merges, tags), random data dumped as YAML, and mutations of the example spec and matrix:
keys dropped, values swapped for other types, unknown keys inserted, characters edited.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deployer.cli.io import Streams
from deployer.cli.main import run
from deployer.spec.crosscheck import cross_check
from deployer.spec.yamlsource import YamlDocument

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "huadong-production.yml"
EXAMPLE_MATRIX = REPO / "examples" / "sample-erp-matrix.yml"
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<field>\S.*?): (?P<msg>.+)$")

# Kept small so the file runs in well under 30 s; raise it to hunt: DEPLOYER_FUZZ_EXAMPLES=5000
SETTINGS = settings(
    deadline=None,
    max_examples=int(os.environ.get("DEPLOYER_FUZZ_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="deployer-hypothesis-") as name:
        yield Path(name)


def validate_bytes(folder: Path, raw: bytes, *extra: str) -> tuple[int, str, str]:
    spec = folder / "spec.yml"
    spec.write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()
    code = run(["validate", *extra, str(spec)], Streams(out=out, err=err))
    return code, out.getvalue(), err.getvalue()


def assert_handled(folder: Path, raw: bytes) -> None:
    code, out, err = validate_bytes(folder, raw)
    assert code in (0, 3), err
    assert "Traceback" not in out + err
    assert "internal error" not in err
    for line in err.splitlines():
        match = LINE.match(line)
        assert match, line
        message = match["msg"]
        assert message[:1] == message[:1].lower() or message.startswith("YAML "), line


# --- strategies -----------------------------------------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["${env:X}", "${file:nope}", "${", "5.7", "yes", "db1", "web", "key"]),
)
data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=20,
)
TOKENS = [
    "apiVersion: deployer/v1\n", "kind: Environment\n", "kind: SupportMatrix\n",
    "hosts:\n", "- ", "  ", ": ", "\n", "&a ", "*a", "&b ", "*b", "<<: ", "<<: *a\n",
    "!!python/object:os.system ", "!!binary ", "!custom ", "!!str ", "[", "]", "{", "}",
    ", ", "? ", "|\n", ">\n", "---\n", "...\n", "'", '"', "#", "%YAML 1.1\n", "\t",
    "name: x", "roles: [db]", "password: hunter2", "1.10", "on", "~", "null", "2024-01-01",
    "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!null ", "!!map ", "!!seq ", "!!merge ",
    "2024-13-45", "0x_", "1:2:3", ".inf", "0b", "\\e[31m", "\x85", "\u2028", "\ufeff",
]  # fmt: skip
token_documents = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


def dump(value: Any) -> bytes:
    """Write test input fast (the C emitter when available); the loader still parses it."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(value, Dumper=dumper, allow_unicode=True).encode()


def example(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def absolute_references(spec: dict[str, Any]) -> dict[str, Any]:
    """The example with file references made absolute, so it can be written anywhere."""
    base = EXAMPLE.parent
    spec["matrix"] = str(base / spec["matrix"])
    for key in ("artifact", "templates"):
        spec["product"][key] = str(base / spec["product"][key])
    for schema in spec["database"]["schemas"]:
        schema["migrations"] = str(base / schema["migrations"])
    return spec


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, source: dict[str, Any]) -> dict[str, Any]:
    spec: Any = copy.deepcopy(source)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        where = draw(st.sampled_from([p for p in paths(spec) if p]))
        parent = spec
        for elem in where[:-1]:
            parent = parent[elem]
        action = draw(st.sampled_from(["drop", "swap", "insert"]))
        if action == "drop":
            del parent[where[-1]]
        elif action == "swap":
            parent[where[-1]] = draw(data)
        else:
            target = parent[where[-1]] if isinstance(parent[where[-1]], dict) else parent
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=10))] = draw(data)
    return spec


# --- tests ----------------------------------------------------------------------------
@SETTINGS
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes(workdir: Path, raw: bytes) -> None:
    assert_handled(workdir, raw)


@SETTINGS
@given(text=st.text(max_size=500))
def test_arbitrary_text(workdir: Path, text: str) -> None:
    assert_handled(workdir, text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(document=token_documents)
def test_documents_from_yaml_tokens(workdir: Path, document: str) -> None:
    assert_handled(workdir, document.encode())


@SETTINGS
@given(value=data, kind=st.sampled_from(["Environment", "SupportMatrix", None]))
def test_random_data_as_yaml(workdir: Path, value: Any, kind: str | None) -> None:
    if kind and isinstance(value, dict):
        value = {"apiVersion": "deployer/v1", "kind": kind, **value}
    assert_handled(workdir, dump(value))


@SETTINGS
@given(spec=mutated(absolute_references(example(EXAMPLE))))
def test_mutations_of_the_example_spec(workdir: Path, spec: dict[str, Any]) -> None:
    assert_handled(workdir, dump(spec))


@SETTINGS
@given(matrix=mutated(example(EXAMPLE_MATRIX)))
def test_mutations_of_the_example_matrix(workdir: Path, matrix: dict[str, Any]) -> None:
    assert_handled(workdir, dump(matrix))


@SETTINGS
@given(data=st.data())
def test_text_edits_of_the_example_spec(workdir: Path, data: st.DataObject) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        cut = data.draw(st.integers(min_value=0, max_value=4))
        insert = data.draw(st.sampled_from(["", " ", "\t", ":", "- ", "\n", "'", "#", "{", "&x"]))
        text = text[:at] + insert + text[at + cut :]
    assert_handled(workdir, text.encode())


@SETTINGS
@given(value=data)
def test_cross_checks_accept_any_data(workdir: Path, value: Any) -> None:
    """They run on unvalidated data, so any shape must be skipped, never crash."""
    for shaped in (value, {"hosts": value, "database": value, "product": value}):
        doc = YamlDocument("spec.yml", shaped)
        for problem in cross_check(doc, workdir):
            assert "\n" not in str(problem)
