"""``serverless-inference cost``: monthly cost of serverless options against instances.

:mod:`.model` prices each option (pure, unit-tested), :mod:`.chart` draws them, and
:mod:`.command` is the command line and its report.
"""
