"""The fan-out function: :mod:`.contract` (what the construct and the code share) and
:mod:`.handler` (the code that runs in Lambda)."""
