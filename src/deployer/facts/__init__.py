"""Declarative host facts: a POSIX sh snippet per fact, one probe per host, pure parsers.

``build_probe(paths)`` gives the script to run once per host; ``parse_probe(stdout)`` turns
its output into ``HostFacts``. Nothing here opens a connection or starts a process.
"""

from deployer.facts.base import Fact
from deployer.facts.catalog import BY_ID, FACTS, fact
from deployer.facts.database import DatabaseFacts
from deployer.facts.model import (
    DiskFree,
    Firewall,
    HostFacts,
    JdkInstall,
    Listener,
    LocaleFacts,
    MysqlInstall,
    NginxInstall,
    NofileLimit,
    OracleFacts,
    OracleHome,
    OsRelease,
    Selinux,
    SudoFacts,
    TimeSync,
    TimeZone,
    TomcatInstall,
)
from deployer.facts.prelude import COMMAND_TIMEOUT_S
from deployer.facts.probe import (
    Section,
    build_probe,
    matrix_disk_paths,
    parse_probe,
    split_sections,
)

__all__ = [
    "BY_ID",
    "COMMAND_TIMEOUT_S",
    "FACTS",
    "DatabaseFacts",
    "DiskFree",
    "Fact",
    "Firewall",
    "HostFacts",
    "JdkInstall",
    "Listener",
    "LocaleFacts",
    "MysqlInstall",
    "NginxInstall",
    "NofileLimit",
    "OracleFacts",
    "OracleHome",
    "OsRelease",
    "Section",
    "Selinux",
    "SudoFacts",
    "TimeSync",
    "TimeZone",
    "TomcatInstall",
    "build_probe",
    "fact",
    "matrix_disk_paths",
    "parse_probe",
    "split_sections",
]
