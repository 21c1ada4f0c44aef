"""Renderers for check reports: terminal table, JSON, a signable HTML page. No printing here."""
