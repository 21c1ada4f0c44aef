"""Hostile text in any string of the spec is either refused with FILE:LINE:COL, or reaches the
rendered unit files, nginx site, Tomcat XML and shell words without changing their structure.

Each example puts one hostile string (line breaks, NUL, ``$()``, quotes, ``%``, ``{{ }}``,
``;``, unicode) into one string value or key of the example spec. A refused spec must give
located problems only (the exit-3 path, never an exception). An accepted one is turned into
the variables deployer gives Ansible, and the roles' own templates are rendered from them:
each rendering must have the same lines, directives and quoting as the example's.
"""

from __future__ import annotations

import functools
import operator
import os
import re
import shlex
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deployer.executors.ansible.variables import Unsafe, extra_vars, host_vars
from deployer.spec import LoadedEnvironment, SpecError, load_environment

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "huadong-production.yml"
ROLES = REPO / "roles"
LOCATED = re.compile(r"^.+:\d+:\d+: \S.*: \S.*$")
SHELL_SPECIAL = re.compile(r"[\s\"'\\$`;&|<>(){}*?!#~^\[\]]")
ENV_LOOKUP = re.compile(r"^\{\{ lookup\('ansible\.builtin\.env', '[A-Z0-9_]+'\) \}\}$")

SETTINGS = settings(
    deadline=None,
    max_examples=int(os.environ.get("DEPLOYER_FUZZ_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow],
)

HOSTILE_PIECES = [
    "\n",
    "\r\n",
    "\x00",
    "\x1b[2J",
    "\u2028",
    "\t",
    " ",
    "$(id)",
    "`id`",
    "${HOME}",
    '"',
    "'",
    "\\",
    "%",
    "%h",
    "{{ lookup('pipe', 'id') }}",
    "{% raw %}",
    ";",
    "{",
    "}",
    "#",
    "<",
    "&amp;",
    "..",
    "/",
    "-",
    "华东",
    "\u202e",
    "ExecStartPre=+/bin/sh",
    "include /etc/shadow",
]
hostile = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(min_size=1, max_size=3)),
    min_size=1,
    max_size=4,
).map("".join)


def base_spec() -> dict[str, Any]:
    """The example, with the files it names given as absolute paths (it is validated from a
    temporary folder), and the fields it leaves out that reach templates filled in."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    folder = EXAMPLE.parent
    data["matrix"] = str(folder / data["matrix"])
    for key in ("artifact", "templates"):
        data["product"][key] = str(folder / data["product"][key])
    for schema in data["database"]["schemas"]:
        schema["migrations"] = str(folder / schema["migrations"])
    data["hosts"][0]["overrides"] = {
        "nginx": {"server_name": "erp.example.cn www.example.cn"},
        "tomcat": {"jvm_options": ["-Xmx2g", "-Dfile.encoding=UTF-8"]},
        "product_config": {"upload_dir": "/srv/erp/uploads"},
    }
    return data


BASE = base_spec()


def string_places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every string value and every mapping key, as (path, "value"|"key")."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key, "key")
            yield from string_places(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from string_places(value, (*path, index))
    elif isinstance(data, str):
        yield (*path, "value")


# Keys of the models are a fixed vocabulary (a changed one is an unknown field); the free-form
# mappings' keys are the ones worth attacking.
FREE_FORM = ("labels", "config", "context_parameters", "product_config")
PLACES = [
    place
    for place in string_places(BASE)
    if place[-1] == "value" or (len(place) > 2 and place[-3] in FREE_FORM)
]


def mutated(place: tuple[Any, ...], text: str, append: bool) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *path, key, kind = place
    parent = data
    for elem in path:
        parent = parent[elem]
    if kind == "key":
        new_key = key + text if append else text
        parent[new_key] = parent.pop(key)
    else:
        parent[key] = parent[key] + text if append else text
    return data


# --- rendering the roles' templates ---------------------------------------------------
def _regex_replace(value: Any, pattern: str, replacement: str = "") -> str:
    return re.sub(pattern, replacement, str(value))


JINJA = jinja2.Environment(
    loader=jinja2.FileSystemLoader([ROLES / role / "templates" for role in ("tomcat", "nginx")]),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=False,
)
JINJA.filters["regex_replace"] = _regex_replace


def role_vars(role: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("defaults/main.yml", "vars/main.yml", "vars/Debian.yml"):
        path = ROLES / role / name
        if path.exists():
            found.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return found


ROLE_VARS = {
    **role_vars("tomcat"),
    **role_vars("nginx"),
    "ansible_managed": "managed",
    "__tomcat_home": "/usr/share/tomcat10",
    "tomcat_java_home": "/usr/lib/jvm/java-17",
    "__nginx_user": "www-data",
}


def rendered(loaded: LoadedEnvironment) -> dict[str, str]:
    """Every role file rendered for every host that gets it, keyed by host number and
    template (a host's name is one of the values under test)."""
    shared = extra_vars(loaded, "run-1")
    files: dict[str, str] = {}
    for number, host in enumerate(loaded.env.hosts):
        context = {**ROLE_VARS, **host_vars(loaded.env, host), **shared}
        if "app" in host.roles:
            for name in ("dropin.conf.j2", "server.xml.j2", "tomcat.service.j2"):
                files[f"{number}/{name}"] = JINJA.get_template(name).render(context)
            for index, item in enumerate(context["tomcat_contexts"]):
                files[f"{number}/context{index}.xml"] = JINJA.get_template("context.xml.j2").render(
                    {**context, "item": item}
                )
        if "web" in host.roles:
            files[f"{number}/site.conf.j2"] = JINJA.get_template("site.conf.j2").render(context)
    return files


#: Characters that carry structure in each kind of file: a value must not add any.
STRUCTURE = {"nginx": "\n\"'\\;{}#", "xml": "\n<>&\"'", "systemd": "\n\"'\\"}


def shape(name: str, text: str) -> Counter[str]:
    kind = "xml" if "xml" in name else "nginx" if "site.conf" in name else "systemd"
    # Values inside XML are escaped: only the markup's own characters are counted.
    if kind == "xml":
        text = re.sub(r'="[^"]*"', '=""', text)
    return Counter(char for char in text if char in STRUCTURE[kind])


def line_heads(text: str) -> list[str]:
    """What each line starts with (its directive), values left out."""
    return [re.split(r"[ =\t]", line.strip(), maxsplit=1)[0] for line in text.splitlines()]


# --- the roles' own checks of their input -------------------------------------------------
def _match(value: Any, pattern: str) -> bool:
    return re.match(pattern, str(value)) is not None


def _search(value: Any, pattern: str) -> bool:
    return re.search(pattern, str(value)) is not None


JINJA.tests["match"] = _match
JINJA.tests["search"] = _search
JINJA.filters["difference"] = lambda a, b: [item for item in a if item not in list(b)]

#: Asserts that depend on the host (its OS, what listens on a port, files on the control
#: machine, its platform and what its release packages) rather than on the spec's values: the
#: compatibility scan covers those.
HOST_DEPENDENT = (
    "ansible_facts",
    "__tomcat_port_others",
    "_stat",
    "__mysql_engine",
    "tarball",
    "deployer_platform",
    "_release_packages",
    "__mysql_packages",
)


def input_checks(role: str) -> list[tuple[str, str]]:
    """(task, expression) of every assert in the role's tasks that checks the spec's values."""
    found = []
    for path in sorted((ROLES / role / "tasks").glob("*.yml")):
        for task in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            that = (task.get("ansible.builtin.assert") or {}).get("that") or []
            for expression in [that] if isinstance(that, str) else that:
                if not any(word in expression for word in HOST_DEPENDENT):
                    found.append((f"{role}: {task['name']}", expression))
    return found


#: Which hosts run each role, by the spec's host roles.
CHECKED_ROLES = {"tomcat": "app", "nginx": "web", "product": "app", "jdk": "app", "mysql": "db"}
with warnings.catch_warnings():
    # The roles' patterns hold \s inside Jinja strings, as Ansible reads them.
    warnings.simplefilter("ignore", DeprecationWarning)
    INPUT_CHECKS = [
        (role, task, JINJA.compile_expression(expression))
        for role in CHECKED_ROLES
        for task, expression in input_checks(role)
    ]
CHECK_VARS = {
    name: value
    for role in CHECKED_ROLES
    for name, value in role_vars(role).items()
    if name.startswith("__") and isinstance(value, str) and "{{" not in value
}


def refused_by_roles(loaded: LoadedEnvironment) -> list[str]:
    """The role asserts the variables of each host fail (the roles' defaults beneath them)."""
    shared = extra_vars(loaded, "run-1")
    failed = []
    for host in loaded.env.hosts:
        context = {**ROLE_VARS, **role_vars("product"), **role_vars("jdk"), **role_vars("mysql")}
        context.update({**CHECK_VARS, **host_vars(loaded.env, host), **shared})
        for role, task, check in INPUT_CHECKS:
            if CHECKED_ROLES[role] in host.roles and not check(**context):
                failed.append(f"{host.name}: {task}")
    return failed


def render_spec(data: dict[str, Any]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.yml"
        spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return rendered(load_environment(spec))


BASELINE = render_spec(BASE)


@functools.cache
def emptied(place: tuple[Any, ...]) -> dict[str, str]:
    """The baseline when the value at ``place`` is empty: an empty value may rightly leave a
    block out (an empty context path has no redirect to it)."""
    return render_spec(mutated(place, "", append=False))


def assert_only_unsafe_templates(value: Any) -> None:
    """Ansible evaluates ``{{ }}`` in variables unless tagged ``!unsafe``: every string that
    holds template syntax is either a spec value tagged so, or deployer's own env lookup."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_only_unsafe_templates(key)
            assert_only_unsafe_templates(item)
    elif isinstance(value, list | tuple):
        for item in value:
            assert_only_unsafe_templates(item)
    elif isinstance(value, str) and ("{{" in value or "{%" in value):
        assert isinstance(value, Unsafe) or ENV_LOOKUP.match(value), value


def assert_structure_kept(loaded: LoadedEnvironment, baseline: dict[str, str]) -> None:
    files = rendered(loaded)
    assert files.keys() == baseline.keys()
    for name, text in files.items():
        assert shape(name, text) == shape(name, baseline[name]), name
        assert line_heads(text) == line_heads(baseline[name]), name
        if "xml" in name:
            ET.fromstring(text.split("?>", 1)[1])
    for host in loaded.env.hosts:
        variables = host_vars(loaded.env, host)
        assert_only_unsafe_templates(variables)
        options = variables.get("tomcat_jvm_options")
        if options is not None:
            # catalina.sh splits CATALINA_OPTS into words and runs them through eval.
            assert shlex.split(" ".join(options)) == list(options)
            assert not any(SHELL_SPECIAL.search(option) for option in options), options
    assert_only_unsafe_templates(extra_vars(loaded, "run-1"))
    # A value the spec accepts must pass the roles' own checks: refused there, it would stop
    # apply in the middle (and plan would report it as a check-mode stop).
    assert refused_by_roles(loaded) == []
    for name, text in files.items():
        if name.endswith("dropin.conf.j2"):
            paths = [line for line in text.splitlines() if line.startswith("ReadWritePaths=")]
            assert all(re.fullmatch(r"ReadWritePaths=-/[^\s%\"'\\]+", p) for p in paths), paths


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="deployer-hostile-") as name:
        yield Path(name)


def test_the_roles_input_checks_are_evaluated() -> None:
    tasks = {role for role, _, _ in INPUT_CHECKS}
    assert tasks == set(CHECKED_ROLES)
    assert len(INPUT_CHECKS) >= 12
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.yml"
        spec.write_text(yaml.safe_dump(BASE, allow_unicode=True), encoding="utf-8")
        assert refused_by_roles(load_environment(spec)) == []


@pytest.mark.parametrize(
    ("place", "text"),
    [
        (("product", "context_path", "value"), ""),  # the root context
        (("middleware", "tomcat", "version", "value"), "9.0.85"),
        (("hosts", 1, "address", "value"), "fe80::1%eth0"),
        (("middleware", "nginx", "server_name", "value"), "*.example.cn _"),
    ],
)
def test_values_the_spec_accepts_pass_the_roles_checks(
    folder: Path, place: tuple[Any, ...], text: str
) -> None:
    data = mutated(place, text, append=False)
    data["product"]["health_path"] = "/erp/health.jsp" if data["product"]["context_path"] else "/h"
    spec = folder / "spec.yml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert refused_by_roles(load_environment(spec)) == []


def test_the_example_renders_every_role_file() -> None:
    assert {name.split("/", 1)[1] for name in BASELINE} == {
        "dropin.conf.j2",
        "server.xml.j2",
        "tomcat.service.j2",
        "context0.xml",
        "site.conf.j2",
    }


@SETTINGS
@given(place=st.sampled_from(PLACES), text=hostile, append=st.booleans())
def test_hostile_text_is_refused_with_a_location_or_kept_in_its_place(
    folder: Path, place: tuple[Any, ...], text: str, append: bool
) -> None:
    spec = folder / "spec.yml"
    spec.write_text(yaml.safe_dump(mutated(place, text, append)), encoding="utf-8")
    try:
        loaded = load_environment(spec)
    except SpecError as exc:
        assert exc.exit_code == 3
        assert exc.problems
        for problem in exc.problems:
            assert LOCATED.match(str(problem)), str(problem)
        return
    *_, last, kind = place
    original = last if kind == "key" else functools.reduce(operator.getitem, place[:-1], BASE)
    value = original + text if append else text
    assert_structure_kept(loaded, BASELINE if value.strip() else emptied(place))


@pytest.mark.parametrize(
    ("place", "text"),
    [
        (("product", "config", "upload_dir", "value"), "/opt/x /\nExecStartPre=+/bin/sh -c id"),
        (("middleware", "tomcat", "jvm_options", 0, "value"), "-Dx=$(id)"),
        (("middleware", "nginx", "server_name", "value"), "erp.example.cn; include /x"),
        (("product", "context_parameters", "sample.erp.config", "value"), "x\nA=b"),
        (("product", "health_path", "value"), "health.jsp"),
        (("database", "schemas", 0, "charset", "value"), "utf-8"),
        (("hosts", 0, "address", "value"), "fe80::1%$(id)"),
        (("middleware", "tomcat", "version", "value"), "10"),
        (("middleware", "jdk", "version", "value"), "17.0.2"),
        (("product", "version", "value"), "1.0+build5"),
    ],
)
def test_known_injections_are_spec_errors(folder: Path, place: tuple[Any, ...], text: str) -> None:
    spec = folder / "spec.yml"
    spec.write_text(yaml.safe_dump(mutated(place, text, append=False)), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_environment(spec)
    assert all(LOCATED.match(str(p)) for p in caught.value.problems)
