"""What a run will change, worked out before anything is touched. Pure: no I/O here."""
