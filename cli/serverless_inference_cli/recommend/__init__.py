"""``serverless-inference recommend``: settings that fit an endpoint's recorded traffic.

:mod:`.cloudwatch` reads the endpoint's settings and hourly CloudWatch statistics,
:mod:`.rules` turns them into settings (pure, unit-tested), :mod:`.command` is the command
line and its report.
"""
