"""``deployer lab ...``: throwaway local SSH hosts made from an environment spec."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Placeholder until the lab lands."""
