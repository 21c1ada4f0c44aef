"""yamlsource: where every key and value came from, and YAML hazards refused as problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from deployer.spec import yamlsource
from deployer.spec.problems import SpecError
from deployer.spec.yamlsource import MAX_DEPTH, YamlDocument, parse


def doc_of(text: str) -> YamlDocument:
    return parse(textwrap.dedent(text), "t.yml")


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse(textwrap.dedent(text), "t.yml")
    return [str(problem) for problem in caught.value.problems]


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc = doc_of(
        """\
        customer: 华东
        hosts:
          - name: app1
            roles: [web, app]
        """
    )
    assert doc.keys[("customer",)] == (1, 1)
    assert doc.values[("customer",)] == (1, 11)
    assert doc.keys[("hosts",)] == (2, 1)
    assert doc.values[("hosts", 0)] == (3, 5)
    assert doc.keys[("hosts", 0, "name")] == (3, 5)
    assert doc.values[("hosts", 0, "name")] == (3, 11)
    assert doc.values[("hosts", 0, "roles", 1)] == (4, 18)


def test_position_falls_back_to_the_nearest_known_ancestor() -> None:
    doc = doc_of("hosts:\n  - name: app1\n")
    assert doc.position(("hosts", 0, "address")) == (2, 5)
    assert doc.position(("hosts", 0, "address"), key=True) == (2, 5)
    assert doc.position(("nothing", "here")) == (1, 1)


def test_problem_uses_the_key_position_when_asked() -> None:
    doc = doc_of("middleware:\n  nginx: {listen_port: 80}\n")
    assert str(doc.problem(("middleware", "nginx"), "x", key=True)) == (
        "t.yml:2:3: middleware.nginx: x"
    )
    assert str(doc.problem(("middleware", "nginx"), "x")) == "t.yml:2:10: middleware.nginx: x"


def test_data_matches_safe_load() -> None:
    text = "a: 1\nb: [x, 2.5, null, true, 2024-01-02]\nc: {d: e}\n"
    assert doc_of(text).data == yaml.safe_load(text)


def test_merged_keys_point_at_where_they_are_written() -> None:
    doc = doc_of(
        """\
        base: &base
          user: deploy
          port: 22
        host:
          <<: *base
          port: 2222
        """
    )
    assert doc.data["host"] == {"user": "deploy", "port": 2222}
    assert doc.keys[("host", "user")] == (2, 3)  # from the anchor
    assert doc.keys[("host", "port")] == (6, 3)  # the explicit key wins
    assert doc.values[("host", "port")] == (6, 9)


def test_a_list_of_merges_takes_the_first_source_like_safe_load() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n"
    doc = doc_of(text)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["c"] == {"x": 1, "y": 3}
    assert doc.values[("c", "x")] == (1, 11)
    assert doc.values[("c", "y")] == (2, 17)


def test_merged_keys_are_not_duplicates() -> None:
    doc = doc_of("a: &a {x: 1}\nb:\n  <<: *a\n  x: 2\n")
    assert doc.data["b"] == {"x": 2}


def test_plain_values_that_are_not_text_keep_their_source() -> None:
    doc = doc_of("a: 10.10\nb: '10.10'\nc: yes\nd: 2024-01-02\ne: text\n")
    assert doc.plain == {("a",): "10.10", ("c",): "yes", ("d",): "2024-01-02"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "t.yml:2:1: a: duplicate key 'a' (first defined on line 1)"),
        (
            "x:\n  y: 1\n  'y': 2\n",
            "t.yml:3:3: x.y: duplicate key 'y' (first defined on line 2)",
        ),
        (
            "h:\n  - {n: 1, n: 2}\n",
            "t.yml:2:12: h[0].n: duplicate key 'n' (first defined on line 2)",
        ),
    ],
)
def test_duplicate_keys(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object/apply:os.system [id]\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system\n", "!!python/name:os.system"),
        ("a: !vault 'x'\n", "!vault"),
        ("a: !!binary aGk=\n", "!!binary"),
        ("a: !!set {x}\n", "!!set"),
        ("a: !!omap [x: 1]\n", "!!omap"),
        ("!!python/name:os.system : 1\n", "!!python/name:os.system"),
    ],
)
def test_tags_other_than_plain_yaml_are_refused(text: str, tag: str) -> None:
    (problem,) = problems_of(text)
    assert f"tag {tag} is not allowed; only plain YAML values are accepted" in problem


def test_plain_tags_are_accepted() -> None:
    assert doc_of("a: !!str 5.7\nb: !!int '3'\n").data == {"a": "5.7", "b": 3}


@pytest.mark.parametrize(
    ("key", "field", "reads_as"),
    [
        ("on", "config.on", "'on' is read as a boolean"),
        ("8080", "config.8080", "'8080' is read as a number"),
        ("1.5", 'config["1.5"]', '"1.5" is read as a number'),
        ("null", "config.null", "'null' is read as null"),
    ],
)
def test_keys_that_are_not_text_are_refused(key: str, field: str, reads_as: str) -> None:
    assert problems_of(f"config:\n  {key}: x\n") == [
        f"t.yml:2:3: {field}: key {reads_as}, not text; quote it"
    ]


def test_quoted_keys_are_text() -> None:
    assert doc_of("'on': 1\n'8080': 2\n").data == {"on": 1, "8080": 2}


@pytest.mark.parametrize(
    ("value", "reads_as"),
    [
        ("2024-13-45", "a date; quote it if it is text"),
        ("0x_", "a number; quote it if it is text"),
        ("!!int abc", "a number; quote it if it is text"),
        ("!!float x", "a number; quote it if it is text"),
        ("!!bool maybe", "a boolean; quote it if it is text"),
        ("!!timestamp 'soon'", "a date"),
        ("!!int |\n  ", "a number"),
        ("9" * 5000, "a number; quote it if it is text"),  # beyond int()'s digit limit
    ],
)
def test_scalars_the_constructor_cannot_build_are_problems(value: str, reads_as: str) -> None:
    assert problems_of(f"a: {value}\n") == [
        f"t.yml:1:4: a: this value cannot be read as {reads_as}"
    ]


def test_tags_that_do_not_fit_the_node() -> None:
    assert problems_of("a: !!map [x]\n") == [
        "t.yml:1:4: (document): YAML error: expected a mapping node, but found sequence"
    ]


def test_complex_keys_are_refused() -> None:
    assert problems_of("? [a, b]\n: c\n") == [
        "t.yml:1:3: (document): mapping keys must be plain text, not lists or mappings"
    ]


def test_alias_bomb_is_measured_not_built() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (problem,) = problems_of("\n".join(lines) + "\n")
    assert "expands to more than 100000 nodes through aliases (alias bomb?)" in problem


def test_recursive_alias() -> None:
    assert problems_of("a: &x\n  b: *x\n") == [
        "t.yml:1:4: (document): recursive alias: the node anchored here contains itself"
    ]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 10_000])
def test_deep_nesting_is_a_problem_not_a_recursion_error(depth: int) -> None:
    (problem,) = problems_of("[" * depth + "]" * depth)
    assert problem.endswith(f"(document): nesting is deeper than {MAX_DEPTH} levels")


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = MAX_DEPTH
    assert doc_of("[" * depth + "]" * depth).data is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [1, 2\n", "t.yml:2:1: (document): YAML syntax error: while parsing a flow sequence"),
        ("a: 1\n b: 2\n", "t.yml:2:3: (document): YAML syntax error: mapping values are not"),
        ("a: 1\n---\nb: 2\n", "t.yml:2:1: (document): YAML syntax error: expected one YAML"),
        ("a: *nope\n", "t.yml:1:4: (document): YAML syntax error: found undefined alias"),
        ("a: 1\nb: \x07\n", "t.yml:2:4: (document): YAML syntax error: character U+0007 is"),
        ("a: <<\n<<: 1\n", "t.yml:2:5: (document): YAML error: while constructing a mapping"),
    ],
)
def test_syntax_errors_name_line_and_column(text: str, expected: str) -> None:
    (problem,) = problems_of(text)
    assert problem.startswith(expected)
    assert "\n" not in problem


@pytest.mark.parametrize("text", ["", "# only\n# comments\n", "\n\n", "---\n"])
def test_empty_documents(text: str) -> None:
    assert problems_of(text) == [
        "t.yml:1:1: (document): file is empty; expected a YAML mapping with apiVersion and kind"
    ]


def test_all_walker_problems_of_a_file_are_reported_together() -> None:
    assert problems_of("a: 1\na: 2\nb: !!binary aGk=\nc:\n  1: x\n") == [
        "t.yml:2:1: a: duplicate key 'a' (first defined on line 1)",
        "t.yml:3:4: b: tag !!binary is not allowed; only plain YAML values are accepted",
        "t.yml:5:3: c.1: key '1' is read as a number, not text; quote it",
    ]


@pytest.mark.parametrize(
    "name", ["huadong-production.yml", "huadong-production-1.1.yml", "sample-erp-matrix.yml"]
)
def test_libyaml_and_the_python_parser_give_the_same_document(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast parser is an optimisation only: data, positions and plain texts agree."""
    path = Path(__file__).resolve().parents[3] / "examples" / name
    text = path.read_text(encoding="utf-8")
    assert yamlsource._FAST_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    fast = parse(text, name)
    monkeypatch.setattr(yamlsource, "_FAST_LOADER", yaml.SafeLoader)
    assert parse(text, name) == fast
