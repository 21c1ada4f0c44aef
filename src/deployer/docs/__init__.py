"""Hand-over documents the customer signs, written from the spec and the run journal."""
