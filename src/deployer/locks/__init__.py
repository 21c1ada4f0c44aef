"""The deploy lock of an environment: the journal's (one deployer per journal, ``local``) and
every target host's (one deployer per host, from any machine, ``hosts``)."""

from deployer.locks.hosts import environment_lock
from deployer.locks.local import DeployLocked, LockHolder

__all__ = ["DeployLocked", "LockHolder", "environment_lock"]
