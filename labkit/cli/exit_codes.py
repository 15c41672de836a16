"""The exit status of every `labkit` subcommand, as the AWS CLI and most Unix tools use them."""

EXIT_OK = 0  # done, nothing wrong
EXIT_PROBLEM = 1  # ran, and found a problem (Fargate would refuse, a copy is stale, something is left)
EXIT_USAGE = 2  # the command line or its input was wrong; argparse exits 2 too
