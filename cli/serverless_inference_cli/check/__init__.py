"""``serverless-inference check``: is a model ready for a serverless endpoint?

:mod:`.rules` judges each item against the serverless limits and the account's quotas (pure,
unit-tested), :mod:`.lookups` reads artifact and image sizes, :mod:`.command` is the command
line and its report.
"""
