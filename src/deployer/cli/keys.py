"""``deployer keys install SPEC``: the engineer's key on every host, logging in with the
spec's password once; prints the spec change that switches the hosts to key auth."""

from __future__ import annotations

import argparse
from pathlib import Path

from deployer.cli.common import add_spec_arguments, host_key_prompt, load_target
from deployer.cli.io import Streams
from deployer.errors import ExitCode


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "keys",
        help="install your SSH key on the hosts",
        description="Manage the SSH keys deployer logs in with.",
    )
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        help="add your public key to each host's authorized_keys",
        description="Log in to every host the way the spec says (a password, once), add your "
        "public key to the login user's ~/.ssh/authorized_keys (only where it is missing; "
        "~/.ssh 0700, the file 0600), and print the spec change that switches the hosts to "
        "key auth, with their host keys pinned.",
    )
    add_spec_arguments(install)
    install.add_argument(
        "--key",
        type=Path,
        metavar="FILE.pub",
        help="public key to install (default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub)",
    )
    install.set_defaults(handler=run_install)


def run_install(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.journal import Journal
    from deployer.run.context import open_context
    from deployer.run.keys import install_key, known_host_key, read_public_key, spec_change

    key = read_public_key(args.key, Path.home())
    target = load_target(args)
    journal = Journal(target.journal_root)
    prompt = host_key_prompt(streams)
    with open_context(target.loaded, journal, lambda *_: None, decide_host_key=prompt) as context:
        context.trust_first_contacts()
        outcomes = install_key(context.hosts, key)
        user_known = Path.home() / ".ssh" / "known_hosts"
        host_keys = {
            t.name: found
            for t in context.targets
            if (found := known_host_key(t.address, t.port, user_known)) is not None
        }
    for name in sorted(outcomes):
        what = "key added" if outcomes[name] == "added" else "key already there"
        streams.say(f"{name}: {what} ({key.path})")
    streams.say("Put this in the spec to log in with the key from now on:", style="green")
    streams.data(spec_change(target.loaded, key, host_keys).rstrip("\n"))
    return ExitCode.OK
