"""``serverless-inference benchmark``: load-test an endpoint, or every memory tier of a model.

Its parts, one concern each: :mod:`.load` sends the requests (SageMaker Runtime or an API
URL), :mod:`.analysis` turns latencies into percentiles, cold starts, cost and gate results,
:mod:`.sweep` runs the memory sweep on temporary endpoints and picks a tier, :mod:`.report`
and :mod:`.charts` show the results, :mod:`.arguments` holds the options and how they
combine, and :mod:`.command` runs them.
"""
