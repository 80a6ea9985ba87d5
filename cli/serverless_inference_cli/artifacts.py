"""The model-artifact rules, as the construct library defines them.

``ModelData.from_directory`` and ``check`` judge a model directory or ``model.tar.gz`` with the
same CDK-free functions (importing them does not load aws-cdk-lib): what the artifact holds,
its layout, and its size against the disk, the start-up window and the memory tier. With
:mod:`.limits`, this module is the command's only import from the library.
"""

from serverless_inference.artifact_contents import (
    DEFAULT_EXCLUDE,
    ArtifactContents,
    NotATarballError,
    read_directory,
    read_tarball,
)
from serverless_inference.artifact_rules import (
    Finding,
    SettingNames,
    Status,
    artifact_memory,
    check_artifact_disk,
    check_layout,
    check_memory_fit,
    check_start_up,
    format_size,
    smallest_tier,
)

__all__ = [
    "DEFAULT_EXCLUDE",
    "ArtifactContents",
    "Finding",
    "NotATarballError",
    "SettingNames",
    "Status",
    "artifact_memory",
    "check_artifact_disk",
    "check_layout",
    "check_memory_fit",
    "check_start_up",
    "format_size",
    "read_directory",
    "read_tarball",
    "smallest_tier",
]
