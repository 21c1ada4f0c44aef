"""Types of spec values that end up inside a unit file, a config file, a URL or a command line.

Each type is as narrow as the place the value lands in: whatever passes here can be written
there without quoting surprises. The roles check the same values again (a second wall), but a
value refused there is refused after earlier stages changed the hosts; refused here, it is a
spec error before anything runs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from deployer.spec.secrets import SECRET_KEY
from deployer.spec.types import QuotedMatching

# systemd reads ReadWritePaths= as a space-separated list with quotes, backslash escapes and
# %-specifiers, and the shell gives meaning to $ ` ;: none of these belong in a server path.
_PATH_SEGMENT = r"[^/\s\"'\\%$`;\x00-\x1f\x7f-\x9f]+"
ABSOLUTE_PATH = rf"^(/{_PATH_SEGMENT})+/?$"
_ABSOLUTE_PATH_HINT = (
    "expected an absolute path below / such as /opt/erp/uploads, without blanks, control "
    "characters, quotes, backslashes or % $ ` ;"
)
_ABSOLUTE_PATH = re.compile(ABSOLUTE_PATH)
# A URL path: RFC 3986 path characters and a query, without quotes, $ or ; (kept out of
# nginx and shell contexts).
HEALTH_PATH = r"^/[A-Za-z0-9._~!&()*+,=:@%/?-]*$"
_DNS = (
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_SERVER_NAME = rf"(_|(\*\.|\.)?{_DNS})"
SERVER_NAMES = rf"^{_SERVER_NAME}( {_SERVER_NAME})*$"
# As the tomcat role's __tomcat_unsafe_option_chars: one word the unit file and catalina.sh
# pass on as it is.
JVM_OPTION = r"^-[^\s\"'\\$`;&|<>(){}*?!#~^\[\]\x00-\x1f\x7f-\x9f]+$"
_SYSTEM_PROPERTY = re.compile(r"^-D(?P<name>[^=]+)=")


def _no_dot_segments(value: str) -> str:
    """``/opt/x/..`` would point somewhere else than it reads; a cleanup there removes more."""
    if any(part in (".", "..") for part in value.split("?", maxsplit=1)[0].split("/")):
        raise PydanticCustomError(
            "dot_segment", "'.' and '..' are not allowed in this path; write it out in full"
        )
    return value


def absolute_path_problem(value: Any) -> str | None:
    """Why ``value`` is not an absolute path fit for a unit file, or None (for free-form
    config, which the model cannot type)."""
    if not isinstance(value, str):
        return "expected text: an absolute path such as /opt/erp/uploads"
    if not _ABSOLUTE_PATH.match(value):
        return _ABSOLUTE_PATH_HINT
    try:
        _no_dot_segments(value)
    except PydanticCustomError as exc:
        return exc.message()
    return None


def _plaintext_secret_option(value: str, info: ValidationInfo) -> str:
    """``-Ddb.password=...`` puts a secret in the unit file and the process list."""
    match = _SYSTEM_PROPERTY.match(value)
    allow = bool((info.context or {}).get("allow_inline_secrets", False))
    if match and SECRET_KEY.search(match["name"]) and not allow:
        raise PydanticCustomError(
            "secret_inline",
            "plaintext secret is not allowed in a JVM option; pass it through the product's "
            "config as ${env:NAME} or ${file:path} (or set allow_inline_secrets: true)",
        )
    return value


SETTING_NAME_HINT = (
    "not a setting name (letters, digits, '_', '.' and '-', starting with a letter, digit or _)"
)
SettingName = Annotated[
    str,
    QuotedMatching(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", SETTING_NAME_HINT),
]
# The roles name folders and packages after these: tomcat<major>, openjdk-<major>-jdk,
# releases/<version>-<run id>.
TomcatVersion = Annotated[
    str,
    QuotedMatching(
        r"^[0-9]+\.[0-9]+(\.[0-9]+)*$", "not a Tomcat version; write e.g. '10.1' or '9.0.85'"
    ),
    Field(description="Tomcat version, quoted: '9.0', '10.1'."),
]
JdkVersion = Annotated[
    str,
    QuotedMatching(r"^[0-9]{1,3}$", "not a JDK major version; write e.g. '8', '11' or '17'"),
    Field(description="JDK major version, quoted: '8', '11', '17'."),
]
ProductVersion = Annotated[
    str,
    QuotedMatching(
        r"^[0-9][0-9A-Za-z._-]{0,63}$",
        "not a product version; write e.g. '1.0' or '2.3.1-rc1' (letters, digits, . _ -)",
    ),
    Field(description="A release version, quoted: '1.0'."),
]
ContextPath = Annotated[
    str,
    QuotedMatching(
        r"^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)?$",
        "expected '' or one path segment such as '/erp' (letters, digits, '.', '_' and '-', "
        "not starting with '.')",
    ),
]
HealthPath = Annotated[
    str,
    QuotedMatching(
        HEALTH_PATH,
        "expected an absolute URL path such as /erp/health.jsp (starting with '/', without "
        "blanks, quotes, $ or ;)",
    ),
    AfterValidator(_no_dot_segments),
]
Charset = Annotated[
    str,
    QuotedMatching(
        r"^[a-z0-9]{1,32}$",
        "not a character set name (lower-case letters and digits, e.g. utf8mb4, gb18030)",
    ),
]
Collation = Annotated[
    str,
    QuotedMatching(
        r"^[a-z0-9_]{1,64}$",
        "not a collation name (lower-case letters, digits and '_', e.g. utf8mb4_unicode_ci)",
    ),
]
ServerNames = Annotated[
    str,
    QuotedMatching(
        SERVER_NAMES,
        "expected DNS names separated by single spaces (*.example.cn and _ allowed), "
        "without ; quotes or braces",
    ),
]
JvmOption = Annotated[
    str,
    QuotedMatching(
        JVM_OPTION,
        "not one JVM option: start with '-', no blanks, quotes, backslashes or shell "
        "characters ($ ` ; & | < > ( ) { } * ? ! # ~ ^ [ ])",
    ),
    AfterValidator(_plaintext_secret_option),
]
OracleTablespace = Annotated[
    str,
    QuotedMatching(
        r"^[A-Za-z][A-Za-z0-9_$#]{0,29}$",
        "not an Oracle tablespace name (a letter, then letters, digits and _ $ #, at most 30)",
    ),
]
OracleQuota = Annotated[
    str,
    QuotedMatching(
        r"^(UNLIMITED|unlimited|[1-9][0-9]{0,9}[KMGT]?)$",
        "expected UNLIMITED or a size such as 500M or 10G",
    ),
]
OracleService = Annotated[
    str,
    QuotedMatching(
        r"^[A-Za-z][A-Za-z0-9._$#-]{0,127}$",
        "not an Oracle service name (a letter, then letters, digits and . _ $ # -)",
    ),
]
