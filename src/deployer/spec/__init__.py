"""Environment specs and support matrices: YAML in, validated models out."""

from deployer.spec.environment import Environment, Host
from deployer.spec.loader import LoadedEnvironment, load_environment, load_matrix
from deployer.spec.matrix import SupportMatrix
from deployer.spec.problems import Problem, SpecError
from deployer.spec.secrets import SecretRef

__all__ = [
    "Environment",
    "Host",
    "LoadedEnvironment",
    "Problem",
    "SecretRef",
    "SpecError",
    "SupportMatrix",
    "load_environment",
    "load_matrix",
]
