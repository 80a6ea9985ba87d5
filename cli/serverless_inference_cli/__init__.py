"""The ``serverless-inference`` command: check, cost, recommend and benchmark.

One subpackage per command (``check``, ``cost``, ``recommend``, ``benchmark``), each with its
pure rules apart from its AWS calls and its command line, so the numbers are unit-testable
offline. Shared by all: :mod:`.main` (the parser, exit statuses), :mod:`.errors`, :mod:`.aws`
(sessions, regions, error messages), :mod:`.options` (option types), :mod:`.output` (table,
JSON, CSV), :mod:`.charts`, :mod:`.prices`, :mod:`.quotas` and :mod:`.signed_post` (also
used by the pipeline's smoke test, so it needs only botocore). AWS's limits, metric names and
the ECR image URI pattern come from the library's CDK-free half, ``serverless_inference_runtime``
(the same numbers the constructs validate against); the command never imports the constructs.
This module imports nothing.
"""
