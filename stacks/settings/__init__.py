"""The sections of an environment in cdk.json, one module each.

Each section is a frozen dataclass whose fields are its keys and whose defaults are the
documented defaults. ``check`` records what is wrong, named by key, through the library's
validators where the library has one; ``props`` converts the valid settings into the
library's types (``ApiAuth``, ``RetentionDays``, ``Duration``...).
"""
