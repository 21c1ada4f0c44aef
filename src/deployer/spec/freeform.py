"""Checks of the spec's free-form mappings: product config, context parameters, labels.

The model cannot type their values, since the product decides what they mean; but every value
is rendered into a config file, and the keys deployer itself consumes have a precise type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from deployer.spec.secrets import SecretRef, under_secret_key
from deployer.spec.types import has_control
from deployer.spec.values import SETTING_NAME_HINT, absolute_path_problem
from deployer.spec.yamlsource import YamlPath

Finding = tuple[YamlPath, str]
SETTING_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

#: Config keys the roles read themselves, and the check their value must pass.
#: upload_dir becomes a ReadWritePaths= line of Tomcat's systemd drop-in.
TYPED_CONFIG_KEYS = {"upload_dir": absolute_path_problem}


def config_findings(config: Any, prefix: YamlPath, allow_inline: bool) -> Iterator[Finding]:
    """Problems of a product config mapping (``product.config`` or a host's override)."""
    if not isinstance(config, dict):
        return
    typed: set[YamlPath] = set()
    for key, check in TYPED_CONFIG_KEYS.items():
        problem = check(config[key]) if key in config else None
        if problem is not None:
            typed.add((*prefix, key))
            yield ((*prefix, key), problem)
    # A typed value already refused gets no second complaint about the same characters.
    yield from (found for found in control_findings(config, prefix) if found[0] not in typed)
    yield from secret_findings(config, prefix, allow_inline)


def control_findings(value: Any, path: YamlPath) -> Iterator[Finding]:
    """Line breaks and control characters in any text value, however deep: a product
    template writes them into a config file, where they start a line of their own. Keys are
    names the templates use (and Ansible would template a key, which it never marks unsafe):
    plain names only."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from control_findings(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, str) and SETTING_NAME.match(key)):
                yield ((*path, key), SETTING_NAME_HINT)
            else:
                yield from control_findings(item, (*path, key))
    elif isinstance(value, str) and has_control(value):
        yield (path, "must not contain line breaks or other control characters")


def secret_findings(config: Any, prefix: YamlPath, allow_inline: bool) -> Iterator[Finding]:
    """Free-form keys named like secrets must hold references too."""
    if isinstance(config, list):
        for index, item in enumerate(config):
            yield from secret_findings(item, (*prefix, index), allow_inline)
        return
    if not isinstance(config, dict):
        return
    for key, value in config.items():
        path = (*prefix, key)
        if isinstance(value, dict | list):
            yield from secret_findings(value, path, allow_inline)
        elif under_secret_key(key, value):
            try:
                SecretRef.parse(str(value), allow_inline)
            except ValueError as exc:
                yield (path, str(exc))


def file_references(value: Any, path: YamlPath) -> Iterator[tuple[YamlPath, str]]:
    """Every ``${file:...}`` reference in a free-form value, with its locator."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from file_references(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from file_references(item, (*path, key))
    elif isinstance(value, str) and value.strip().startswith("${file:"):
        try:
            ref = SecretRef.parse(value, allow_inline=True)
        except ValueError:
            return  # malformed: reported as a secret problem where the key says secret
        if ref.source == "file":
            yield (path, ref.locator)
