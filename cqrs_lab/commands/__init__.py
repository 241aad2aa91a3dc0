"""One module a `cqrs-lab` subcommand: `add_arguments(parser)` and `main(args) -> int`.

Modules here must import nothing heavy at module level (argument parsing imports them all).
"""
