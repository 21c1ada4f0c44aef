"""Ansible through ansible-runner: inventory from the spec, secrets through the environment."""
