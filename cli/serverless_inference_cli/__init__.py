"""The ``serverless-inference`` command: check, cost, recommend and benchmark.

Each subcommand has its own module with the pure computation separate from the AWS calls
(:mod:`.aws`) and the rendering, so the numbers are unit-testable offline.
"""
