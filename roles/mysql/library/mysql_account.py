#!/usr/bin/python
"""Ansible module of deployer's mysql role: one account with a password and all privileges.

It drives the `mysql` client on the database host over the local socket, as the OS user
running the module (root), and never puts the password into SQL: it sends only the
mysql_native_password hash (SHA1 of SHA1), which is hex digits, so nothing can be injected and
the clear password never reaches the server's logs or process list. Account names and hosts are
checked against plain patterns before they are quoted.
"""

DOCUMENTATION = r"""
module: mysql_account
short_description: An administrator account on MariaDB or MySQL, with a password
description:
  - Ensures that an account exists, logs in with the given password (mysql_native_password),
    holds all privileges with grant option and, on MariaDB, can also log in through the local
    socket as the OS user of the same name (unix_socket).
  - Connects with the C(mysql) client through the local socket, first as the OS user running
    the module without a password (MariaDB's unix_socket, or a freshly initialised MySQL), then
    with the given password.
  - Supports check mode. Reports changed only when something had to change.
options:
  name:
    description: Account name.
    type: str
    required: true
  host:
    description: Host part of the account (localhost, 127.0.0.1, ::1, a pattern with %).
    type: str
    default: localhost
  password:
    description: Password of the account.
    type: str
    required: true
    no_log: true
  socket_auth:
    description: MariaDB only. Also let the OS user of the same name log in through the socket.
    type: bool
    default: false
  engine:
    description: Server flavour, which decides the SQL dialect.
    type: str
    choices: [mariadb, mysql]
    default: mariadb
  login_unix_socket:
    description: Path of the server's socket.
    type: path
    required: true
  client:
    description: The mysql command-line client.
    type: path
    default: mysql
author: deployer
"""

RETURN = r"""
created:
  description: Whether the account was created.
  type: bool
  returned: always
authentication_changed:
  description: Whether the password or the authentication plugins were changed.
  type: bool
  returned: always
privileges_changed:
  description: Whether all privileges were granted.
  type: bool
  returned: always
"""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from ansible.module_utils.basic import AnsibleModule

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_$#.-]{1,80}$")
HOST_PATTERN = re.compile(r"^[A-Za-z0-9_.:%-]{1,255}$")
NATIVE_HASH = re.compile(r"\*[0-9A-F]{40}")
ACCESS_DENIED = "ERROR 1045"
TIMEOUT_SECONDS = 60


def native_password_hash(password):
    """mysql_native_password's stored form: '*' + upper hex of SHA1(SHA1(password))."""
    inner = hashlib.sha1(password.encode("utf-8")).digest()
    return "*" + hashlib.sha1(inner).hexdigest().upper()


def option_file_value(text):
    """A value for a client option file: quoted, with backslashes doubled."""
    if "\n" in text or "\r" in text:
        raise ValueError("a password for the mysql client cannot contain line breaks")
    return '"' + text.replace("\\", "\\\\") + '"'


class Client:
    """Runs SQL through the mysql client, as the OS user or with the account's password."""

    def __init__(self, module):
        self.module = module
        self.client = module.get_bin_path(module.params["client"], required=True)
        self.socket = module.params["login_unix_socket"]
        self.option_dir = None

    def base_argv(self):
        argv = [self.client]
        if self.option_dir:
            argv.append("--defaults-extra-file=" + os.path.join(self.option_dir, "client.cnf"))
        return argv + ["--protocol=socket", "--socket=" + self.socket, "--batch", "--skip-column-names"]

    def run(self, sql):
        # An argument list (no shell) and the SQL on stdin. PIPE and universal_newlines
        # rather than capture_output and text keep the module working on Python 3.6.
        result = subprocess.run(
            self.base_argv(),
            input=sql,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        return result.returncode, result.stdout, result.stderr.strip()

    def use_password(self, name, password):
        """Log in as the account itself from now on, through a private option file."""
        self.option_dir = tempfile.mkdtemp(prefix="mysql-account-")
        path = os.path.join(self.option_dir, "client.cnf")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("[client]\n")
            handle.write("user=" + option_file_value(name) + "\n")
            handle.write("password=" + option_file_value(password) + "\n")

    def cleanup(self):
        if self.option_dir:
            shutil.rmtree(self.option_dir, ignore_errors=True)

    def query(self, sql):
        code, out, err = self.run(sql)
        if code != 0:
            self.module.fail_json(msg="mysql client failed (exit %d): %s" % (code, err))
        return out


def connect(client, name, password):
    """Find a way in: the OS user through the socket, else the account's own password."""
    code, _out, err = client.run("SELECT 1;")
    if code == 0:
        return
    if ACCESS_DENIED not in err:
        client.module.fail_json(msg="cannot reach the server through %s: %s" % (client.socket, err))
    client.use_password(name, password)
    code, _out, err = client.run("SELECT 1;")
    if code != 0:
        client.module.fail_json(
            msg="cannot log in through %s, neither as the OS user nor with the given password: %s"
            % (client.socket, err)
        )


def desired_authentication(engine, socket_auth, password_hash):
    if engine == "mysql":
        return "IDENTIFIED WITH mysql_native_password AS '%s'" % password_hash
    if socket_auth:
        return "IDENTIFIED VIA unix_socket OR mysql_native_password USING '%s'" % password_hash
    return "IDENTIFIED VIA mysql_native_password USING '%s'" % password_hash


def authentication_matches(create_statement, engine, socket_auth, password_hash):
    if password_hash not in NATIVE_HASH.findall(create_statement):
        return False
    if engine == "mariadb":
        return ("unix_socket" in create_statement) == socket_auth
    return True


def holds_all_privileges(grants):
    return any(
        line.startswith("GRANT ALL PRIVILEGES ON *.* TO") and "WITH GRANT OPTION" in line
        for line in grants.splitlines()
    )


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "host": {"type": "str", "default": "localhost"},
            "password": {"type": "str", "required": True, "no_log": True},
            "socket_auth": {"type": "bool", "default": False},
            "engine": {"type": "str", "choices": ["mariadb", "mysql"], "default": "mariadb"},
            "login_unix_socket": {"type": "path", "required": True},
            "client": {"type": "path", "default": "mysql"},
        },
        supports_check_mode=True,
    )
    params = module.params
    name, host, engine = params["name"], params["host"], params["engine"]
    if not NAME_PATTERN.match(name):
        module.fail_json(msg="account name %r has characters other than letters, digits and _$#.-" % name)
    if not HOST_PATTERN.match(host):
        module.fail_json(msg="account host %r has characters other than letters, digits and _.:%%-" % host)
    if params["socket_auth"] and engine != "mariadb":
        module.fail_json(msg="socket_auth together with a password needs MariaDB")
    # Both parts were checked against the patterns above, which exclude quotes and backslashes.
    account = "'%s'@'%s'" % (name, host)
    password_hash = native_password_hash(params["password"])
    authentication = desired_authentication(engine, params["socket_auth"], password_hash)

    client = Client(module)
    try:
        connect(client, name, params["password"])
        exists = client.query(
            "SELECT COUNT(*) FROM mysql.user WHERE User = '%s' AND Host = '%s';" % (name, host)
        ).strip() != "0"
        auth_ok = exists and authentication_matches(
            client.query("SHOW CREATE USER %s;" % account), engine, params["socket_auth"], password_hash
        )
        grants_ok = exists and holds_all_privileges(client.query("SHOW GRANTS FOR %s;" % account))

        statements = []
        if not exists:
            statements.append("CREATE USER %s %s;" % (account, authentication))
        elif not auth_ok:
            statements.append("ALTER USER %s %s;" % (account, authentication))
        if not grants_ok:
            statements.append("GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION;" % account)
        if statements and not module.check_mode:
            client.query("\n".join(statements) + "\n")
    finally:
        client.cleanup()

    module.exit_json(
        changed=bool(statements),
        created=not exists,
        authentication_changed=exists and not auth_ok,
        privileges_changed=not grants_ok,
    )


if __name__ == "__main__":
    main()
