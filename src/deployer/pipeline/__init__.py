"""Stages wired together: set up, connect, prepare (facts, plan), execute."""
