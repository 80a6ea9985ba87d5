"""``endpoint.model_directory`` and ``model_directory_exclude``: read from the app's folder, checked
when the configuration loads (``ModelData.from_directory``'s checks, named by key path), the
model artifact and ``HF_MODEL_ID`` they give, ``-c`` overrides."""

from pathlib import Path
from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from stacks.paths import APP_DIRECTORY
from stacks.settings.endpoint import EndpointSettings
from tests.cdk_helpers import ROOT
from tests.support.config import load_with, problems_of
from tests.support.model_files import HANDLER, write_files

WORKERS = {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}
"""The app's default beside the model's own variables: one model-server worker."""

EXAMPLE = "docs/examples/batched-sentiment"
KEY = "environments.dev.endpoint."


def _problems(endpoint: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": {"endpoint": endpoint}}})
    return problems_of(raised)


def test_the_app_folder_is_where_app_py_and_cdk_json_are() -> None:
    assert APP_DIRECTORY == ROOT
    assert (APP_DIRECTORY / "app.py").is_file() and (APP_DIRECTORY / "cdk.json").is_file()


def test_without_a_directory_there_is_no_artifact_and_the_hub_model_is_downloaded() -> None:
    props = EndpointSettings().props()
    assert props["model_data"] is None
    assert props["environment"] == {
        "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "HF_TASK": "text-classification",
        **WORKERS,
    }


def test_a_relative_directory_is_read_from_the_app_folder_whatever_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a working directory that holds a broken model directory of the same name
    write_files(tmp_path / EXAMPLE, {"inference.py": HANDLER})
    monkeypatch.chdir(tmp_path)
    # THEN the app's own example is the one checked and packed
    endpoint = load_with(**{"endpoint.model_directory": EXAMPLE}).environments["dev"].endpoint
    assert endpoint.model_directory == EXAMPLE
    assert endpoint.props()["model_data"] is not None
    # AND a missing one is reported where the app looked for it
    (problem,) = _problems({"model_directory": "docs/examples/missing"})
    assert problem == (
        f"{KEY}model_directory must be an existing directory, "
        f"got {str(ROOT / 'docs/examples/missing')!r}"
    )


def test_an_absolute_directory_is_taken_as_it_is(tmp_path: Path) -> None:
    model = write_files(tmp_path / "model", {"code/inference.py": HANDLER})
    config = load_config({"environments": {"dev": {"endpoint": {"model_directory": str(model)}}}})
    assert config.environments["dev"].endpoint.props()["model_data"] is not None


@pytest.mark.parametrize(
    ("files", "endpoint", "expected"),
    [
        (
            {"weights.bin": b"w"},
            {},
            "model_directory must be a model directory the inference toolkits can serve "
            "(model handler: no code/inference.py: the Hugging Face and PyTorch inference toolkits "
            "load the handler from code/inference.py; add code/inference.py (model_fn, "
            'input_fn, predict_fn, output_fn), or pass "model_id": null when the image serves '
            "the model without one), got {model!r}",
        ),
        (
            {"model/code/inference.py": HANDLER},
            {"model_id": None},
            "model_directory must be a model directory the inference toolkits can serve "
            "(model layout: everything is in model/: SageMaker unpacks the archive into "
            "/opt/ml/model, where the toolkits look for the model files and code/ at the top, "
            "not in model/; pack the content of model/, not the folder itself), got {model!r}",
        ),
        (
            {"inference.py": HANDLER, "weights.bin": b"w"},
            {},
            "model_directory must be a model directory the inference toolkits can serve "
            "(model layout: inference.py: inference.py is at the root: the toolkits read "
            "code/inference.py only; move it to code/inference.py), got {model!r}",
        ),
        (
            {"code/inference.py": b"def model_fn(:\n"},
            {},
            "model_directory must be a model directory the inference toolkits can serve "
            "(model handler: code/inference.py: it does not parse (line 1: invalid syntax); fix it: "
            "the model server imports it at start-up and fails), got {model!r}",
        ),
        (
            {"code/inference.py": HANDLER},
            {"model_directory_exclude": "README.md"},
            "model_directory_exclude must be a list of a string, got 'README.md'",
        ),
        (
            {"code/inference.py": HANDLER},
            {"model_directory_exclude": [""]},
            "model_directory_exclude must be a list of glob patterns: names ('*.ckpt', "
            "'optimizer.pt') or paths ('checkpoints/*'), got ['']",
        ),
        (
            {"code/inference.py": HANDLER},
            {"model_directory_exclude": ["code/*"]},
            "model_directory must be a model directory the inference toolkits can serve "
            "(model layout: no files: the artifact holds no file (after the excluded ones); "
            "point at the model directory: model files at its root, the handler in code/), "
            "got {model!r}",
        ),
    ],
)
def test_fails_when_the_directory_cannot_be_served_naming_the_key(
    tmp_path: Path, files: dict[str, bytes], endpoint: dict[str, Any], expected: str
) -> None:
    model = write_files(tmp_path / "model", files)
    found = _problems({"model_directory": str(model), **endpoint})
    assert KEY + expected.format(model=str(model)) in found, found


def test_fails_when_the_directory_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"")
    assert _problems({"model_directory": str(path)}) == [
        f"{KEY}model_directory must be an existing directory, got {str(path)!r}"
    ]


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (
            {"model_directory": ""},
            f"{KEY}model_directory must be the path of a model directory, absolute or relative "
            f"to the app's folder ({ROOT}), or null, got ''",
        ),
        (
            {"model_id": None},
            f"{KEY}model_id must be a Hugging Face Hub model id (HF_MODEL_ID); null only with "
            "model_directory, whose files are then the model, got None",
        ),
        (
            {"model_directory_exclude": ["README.md"]},
            f"{KEY}model_directory_exclude must be empty when there is no model_directory "
            "(nothing is packed), got ['README.md']",
        ),
        (
            {"model_directory": 3},
            f"{KEY}model_directory must be a string, got 3",
        ),
    ],
)
def test_fails_on_settings_that_name_no_directory(endpoint: dict[str, Any], expected: str) -> None:
    assert _problems(endpoint) == [expected]


def test_the_handler_comes_from_the_directory_and_the_model_from_the_hub() -> None:
    endpoint = load_with(
        **{"endpoint.model_directory": EXAMPLE, "endpoint.environment.MAX_BATCH_SIZE": "8"}
    ).environments["dev"]
    props = endpoint.endpoint.props()
    assert props["model_data"] is not None
    assert props["environment"] == {
        "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "HF_TASK": "text-classification",
        "MAX_BATCH_SIZE": "8",
        **WORKERS,
    }


def test_model_files_without_a_handler_are_served_by_the_toolkit_with_the_task(
    tmp_path: Path,
) -> None:
    # GIVEN save_pretrained's output and no code/ (the toolkit's default handler serves it)
    model = write_files(tmp_path / "model", {"config.json": b"{}", "model.safetensors": b"w"})
    endpoint = load_with(
        **{
            "environments.dev.endpoint.model_directory": str(model),
            "environments.dev.endpoint.model_id": "null",
        }
    ).environments["dev"]
    props = endpoint.endpoint.props()
    assert props["model_data"] is not None
    assert props["environment"] == {"HF_TASK": "text-classification", **WORKERS}


def test_overrides_set_and_clear_the_directory_like_any_key() -> None:
    overridden = load_with(
        **{
            "endpoint.model_directory": EXAMPLE,
            "endpoint.model_directory_exclude": '["README.md", "*.ckpt"]',
            "environments.prod.endpoint.model_directory": "null",
            "environments.prod.endpoint.model_directory_exclude": "[]",
        }
    ).environments
    assert overridden["dev"].endpoint.model_directory == EXAMPLE
    assert overridden["dev"].endpoint.model_directory_exclude == ["README.md", "*.ckpt"]
    assert overridden["prod"].endpoint.model_directory is None
    assert overridden["prod"].endpoint.props()["model_data"] is None


def test_an_override_applies_to_every_model_of_an_environment_with_models() -> None:
    models = {"a": {}, "b": {"path": "other"}}
    config = load_config(
        {"environments": {"multi": {"models": models}}, "endpoint.model_directory": EXAMPLE}
    )
    loaded = config.environments["multi"].models
    assert loaded is not None
    assert [model.endpoint.model_directory for model in loaded.values()] == [EXAMPLE, EXAMPLE]


def test_a_models_directory_is_checked_under_its_key_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config(
            {
                "environments": {
                    "multi": {
                        "models": {
                            "a": {"endpoint": {"model_directory": str(tmp_path / "no")}},
                            "b": {},
                        }
                    }
                }
            }
        )
    assert problems_of(raised) == [
        "environments.multi.models.a.endpoint.model_directory must be an existing directory, "
        f"got {str(tmp_path / 'no')!r}"
    ]
