"""Running commands on hosts. Results are values: one host failing is data, not an exception."""

from deployer.transport.result import CommandResult, Failure
from deployer.transport.ssh import SshOptions, SshTarget, run_everywhere, run_on

__all__ = ["CommandResult", "Failure", "SshOptions", "SshTarget", "run_everywhere", "run_on"]
