"""What deployer manages on each host: the record an apply leaves there (files, links,
packages, services and users, with the digest of the inputs that produced them), the one
program that reads or writes it on the host, and the comparison that finds what changed since.
Pure: the run sends the program and hands its output back."""
