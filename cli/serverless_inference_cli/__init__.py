"""The ``serverless-inference`` command: check, cost, recommend and benchmark.

One subpackage per command (``check``, ``cost``, ``recommend``, ``benchmark``), each with its
pure rules apart from its AWS calls and its command line, so the numbers are unit-testable
offline. Shared by all: :mod:`.main` (the parser, exit statuses), :mod:`.errors`, :mod:`.aws`
(sessions, regions, error messages), :mod:`.options` (option types), :mod:`.output` (table,
JSON, CSV), :mod:`.charts`, :mod:`.prices`, :mod:`.quotas`, :mod:`.limits` (the library's
limits, the one import from it) and :mod:`.signed_post` (also used by the pipeline's smoke
test, so it needs only botocore). This module imports nothing.
"""
