"""deployer: install, upgrade and roll back an enterprise Java product at customer sites."""

__version__ = "0.1.0"
