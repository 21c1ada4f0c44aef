"""The command line: the only layer that parses arguments, prints, prompts and exits."""
