"""Offline bundles: everything a go-live needs, in one verified file."""
