"""Executors turn a plan into changes on hosts and report what happened as events."""
