"""``endpoint.model_directory``: a model directory packed into the endpoint's model artifact.

A relative path is read from the app's folder, the one holding ``app.py`` and ``cdk.json``,
whatever the working directory: the CDK CLI runs the app there, but ``python app.py``, a test
or a pipeline step may start it elsewhere, and the staged archive is handed to jsii's Node
process, whose working directory is the one it started in. The directory is checked when the
configuration loads (the checks of ``ModelData.from_directory``, reported with the key path)
and packed at synthesis.
"""

from pathlib import Path
from typing import Final

from serverless_inference.images import ModelData
from serverless_inference.model_artifacts import check_model_directory
from serverless_inference.validation import Problems
from serverless_inference_runtime.artifact_rules import SettingNames
from stacks.paths import APP_DIRECTORY

KEYS: Final = {"path": "model_directory", "exclude": "model_directory_exclude"}
"""``ModelData.from_directory``'s props as the keys of ``endpoint`` name them."""
SETTING_NAMES: Final = SettingNames(
    memory='"memory_size_mb": {}', handler_optional='"model_id": null'
)
"""How a fix names the settings of ``endpoint``."""


def model_directory_path(path: str) -> Path:
    """``path`` as the app reads it: absolute, or relative to :data:`APP_DIRECTORY`."""
    return APP_DIRECTORY / path


def check_model_directory_setting(
    problems: Problems, path: str | None, exclude: list[str], *, model_id: str | None
) -> None:
    """Record why ``model_directory`` (with ``model_directory_exclude``) cannot be packed.

    With ``model_id`` set, the toolkit downloads that model from the Hub and takes only the
    handler from the directory, so ``code/inference.py`` must be there; with ``model_id``
    ``null``, the directory's files are the model, which the toolkit's default handler serves
    (``HF_TASK``) when there is no ``code/inference.py``.
    """
    if path is None:
        if exclude:
            problems.add(
                KEYS["exclude"],
                exclude,
                "empty when there is no model_directory (nothing is packed)",
            )
        return
    if not path.strip():
        problems.add(
            KEYS["path"],
            path,
            "the path of a model directory, absolute or relative to the app's folder "
            f"({APP_DIRECTORY}), or null",
        )
        return
    check_model_directory(
        problems.renamed(KEYS),
        str(model_directory_path(path)),
        exclude=exclude,
        require_handler=model_id is not None,
        names=SETTING_NAMES,
    )


def model_data(path: str | None, exclude: list[str], *, model_id: str | None) -> ModelData | None:
    """The model artifact packed from ``path``; ``None`` without one."""
    if path is None:
        return None
    return ModelData.from_directory(
        str(model_directory_path(path)), exclude=exclude, require_handler=model_id is not None
    )
