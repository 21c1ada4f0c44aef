"""The go-live watch: hosts sampled over SSH at an interval, compared with thresholds."""
