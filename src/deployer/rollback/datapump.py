"""A Data Pump export of an Oracle schema, taken on the database host before its first
migration, and its import by a rollback: Oracle's counterpart of mysqldump.

expdp and impdp run on the database host as the Oracle software's owner, found with its home
(``/etc/oratab``, then the usual ``product`` folders). They log in as the spec's admin account
through the host's own listener; its password reaches them on standard input and then in a
parameter file readable by that owner alone, removed when they end, never on a command line.
The export is consistent (``flashback_time``) and is streamed into the run folder like a
MySQL dump, with its size and SHA-256; the import loads only that very file, after dropping
the schema, which the export recreates with its grants.
"""

from __future__ import annotations

import io
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from deployer.journal import Run
from deployer.migrations.oracle import user_name
from deployer.rollback.dumps import (
    DUMP_TIMEOUT,
    RollbackFailed,
    dump_name,
    plain_schema_name,
    stream_into_run,
    verified_dump,
)
from deployer.rollback.model import SchemaStep
from deployer.spec.environment import Database as DatabaseSpec
from deployer.transport.hosts import Hosts
from deployer.transport.mysql import Database
from deployer.transport.oracle import quote_ident

#: $1 expdp|impdp, $2 schema, $3 admin user, $4 connect string, $5 dump file name;
#: the password is the first line of standard input.
DATAPUMP_SH = r"""set -eu
mode=$1 schema=$2 user=$3 connect=$4 file=$5
home=
for h in $(sed -n 's/^[^#:[:space:]][^:]*:\([^:]*\):.*/\1/p' /etc/oratab 2>/dev/null) \
    /u01/app/oracle/product/*/* /opt/oracle/product/*/*; do
  if [ -x "$h/bin/$mode" ]; then home=$h; break; fi
done
if [ -z "$home" ]; then
  echo "no Oracle home in /etc/oratab, /u01/app/oracle/product or /opt/oracle/product" \
    "has bin/$mode" >&2
  exit 3
fi
owner=$(stat -c %U "$home/bin/$mode")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
IFS= read -r password
umask 077
{
  printf 'userid=%s/"%s"@%s\n' "$user" "$password" "$connect"
  printf 'schemas=%s\ndirectory=DATA_PUMP_DIR\n' "$schema"
  printf 'dumpfile=%s\nlogfile=%s.log\n' "$file" "$file"
  if [ "$mode" = expdp ]; then printf 'reuse_dumpfiles=yes\nflashback_time=systimestamp\n'; fi
} >"$work/parfile"
chown -R "$owner" "$work"
export ORACLE_HOME="$home" LD_LIBRARY_PATH="$home/lib"
# shellcheck disable=SC2016 # expanded by the owner's shell, from su's arguments
su -s /bin/sh "$owner" -c '"$ORACLE_HOME/bin/$0" parfile="$1"' "$mode" "$work/parfile"
"""


def _host_file(schema: str) -> str:
    """The export's name in DATA_PUMP_DIR, where expdp writes and impdp reads."""
    return f"deployer-{schema}.dmp"


def _password_line(password: str) -> io.BytesIO:
    if '"' in password or "\n" in password:
        raise RollbackFailed(
            "the admin password holds a double quote or a line break, which a Data Pump "
            "parameter file cannot carry; take and restore the export by hand"
        )
    return io.BytesIO(password.encode() + b"\n")


@dataclass(frozen=True)
class OracleDumps:
    """``SchemaDumps`` for Oracle: Data Pump on the database host, driven over SSH."""

    hosts: Hosts
    database: Database
    spec: DatabaseSpec
    password: str

    def take(self, schema: SchemaStep, run: Run) -> SchemaStep:
        """expdp on the database host, the file streamed into the run folder, then removed
        there. The step comes back with the export's name, size and SHA-256."""
        name = plain_schema_name(schema.schema)
        on_host = shlex.quote(f"{self._pump_folder()}/{_host_file(name)}")
        self._datapump(schema, "expdp")
        stream = f"cat -- {on_host}; s=$?; rm -f -- {on_host} {on_host}.log; exit $s"
        dest = dump_name(name, "oracle")
        return stream_into_run(
            self.hosts, schema, run, stream, name=dest, what="copying the export"
        )

    def restore(self, schema: SchemaStep, folder: Path) -> None:
        """The export put back: the file sent to DATA_PUMP_DIR, the schema dropped (objects a
        failed migration made go with it), impdp, and the file removed."""
        name = plain_schema_name(schema.schema)
        pump = self._pump_folder()
        on_host = shlex.quote(f"{pump}/{_host_file(name)}")
        # Read by the database's own processes: owned like the folder, by that owner only.
        upload = f"umask 077; cat > {on_host} && chown --reference={shlex.quote(pump)} {on_host}"
        with verified_dump(schema, folder) as dump:
            result = self.hosts.run_from_file(schema.host, upload, dump, DUMP_TIMEOUT, root=True)
        if not result.ok:
            raise RollbackFailed(
                f"{schema.host}: sending the export of {name} failed: {result.describe()}"
            )
        try:
            with self.database.session() as connection:
                connection.cursor().execute(f"DROP USER {quote_ident(name)} CASCADE")
            self._datapump(schema, "impdp")
        finally:
            self.hosts.run_on(schema.host, f"rm -f -- {on_host} {on_host}.log", root=True)

    def _pump_folder(self) -> str:
        """Where DATA_PUMP_DIR is on the database host (each pluggable database has its own)."""
        with self.database.session() as connection:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT directory_path FROM dba_directories WHERE directory_name = 'DATA_PUMP_DIR'"
            )
            row = cursor.fetchone()
        if not row or not str(row[0]).startswith("/"):
            raise RollbackFailed(
                "the database has no DATA_PUMP_DIR on a local path, so no export can be taken: "
                "ask the DBA to create it (CREATE DIRECTORY DATA_PUMP_DIR AS '/path')"
            )
        return str(row[0]).rstrip("/")

    def _datapump(self, schema: SchemaStep, mode: str) -> None:
        name = plain_schema_name(schema.schema)
        spec = self.spec
        # The host reaches the database through its own listener.
        connect = f"//127.0.0.1:{spec.effective_port}/{spec.effective_service_name}"
        argv = [mode, user_name(name), spec.admin.user, connect, _host_file(name)]
        command = shlex.join(["sh", "-c", DATAPUMP_SH, "datapump", *argv])
        password = _password_line(self.password)
        result = self.hosts.run_from_file(schema.host, command, password, DUMP_TIMEOUT, root=True)
        if not result.ok:
            # Named by the tool alone: the script would fill the message.
            shown = replace(result, command=mode).describe()
            raise RollbackFailed(f"{mode} of schema {name} failed: {shown}")
