"""``environments.<name>.endpoint``: the model and its serverless endpoint."""

import re
from dataclasses import dataclass, field
from typing import Final

from serverless_inference.endpoint import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MEMORY_SIZE_MB,
    EndpointOptions,
    check_endpoint_props,
)
from serverless_inference.endpoint_base import DEFAULT_VARIANT_NAME
from serverless_inference.images import HUGGING_FACE_DEFAULT_CPU_TAG, ContainerImage
from serverless_inference.validation import Problems
from stacks.placement import check_account
from stacks.settings.model_directory import check_model_directory_setting, model_data
from stacks.settings.retention import DEFAULT_LOG_RETENTION_DAYS, check_retention_days, retention

GPU_IMAGE_TAG: Final = re.compile(r"(^|-)(gpu|cu[0-9]+|neuronx?)(-|$)")
"""What names a build for GPUs (``-gpu-``, ``-cu118-``) or AWS Inferentia (``-neuronx-``) in
the tags of AWS's Hugging Face inference images."""
IMAGE_TAG_PATTERN: Final = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
MODEL_SERVER_WORKERS: Final = {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}
"""AWS recommends one worker (one copy of the model) in a serverless container; the Hugging
Face image starts one per vCPU unless this variable says otherwise. ``endpoint.environment``
may set it."""


@dataclass(frozen=True)
class EndpointSettings:
    """``environments.<name>.endpoint``: the model and its serverless endpoint."""

    model_id: str | None = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    """The Hugging Face Hub model the toolkit downloads at start-up (``HF_MODEL_ID``); ``None``
    (``null``) only with ``model_directory``, whose files are then the model.
    Default: the reference sentiment model."""
    task: str = "text-classification"
    """The transformers pipeline task (``HF_TASK``): the toolkit's default handler builds that
    pipeline over the model; a handler of its own may read it. Default: text-classification."""
    model_directory: str | None = None
    """A model directory packed into the model artifact (``ModelData.from_directory``):
    absolute, or relative to the app's folder. It holds the handler (``code/inference.py``)
    for the Hub model ``model_id``, or, with ``model_id`` ``null``, the model's own files.
    Default: - no artifact: the toolkit downloads ``model_id`` from the Hub."""
    model_directory_exclude: list[str] = field(default_factory=list)
    """Glob patterns of files of ``model_directory`` left out of the artifact, besides caches
    and version-control folders (``README.md``, ``*.ckpt``, ``checkpoints/*``). Default: none."""
    image_tag: str = HUGGING_FACE_DEFAULT_CPU_TAG
    registry_account: str | None = None
    """The account of the registry of AWS's Hugging Face images in the environment's region,
    for a region the library's table does not know. Default: - the table's account."""
    memory_size_mb: int = DEFAULT_MEMORY_SIZE_MB
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    provisioned_concurrency: int | None = None
    variant_name: str = DEFAULT_VARIANT_NAME
    endpoint_name: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    log_retention_days: int | None = DEFAULT_LOG_RETENTION_DAYS
    """Retention of the endpoint's log group; ``None`` (``null``): never expires, kept after
    the stack is deleted or the endpoint replaced. Default: 30."""

    def props(self) -> EndpointOptions:
        """The ``ServerlessInference`` endpoint props: the model on AWS's Hugging Face image."""
        return {
            "image": ContainerImage.hugging_face_inference(
                self.image_tag, registry_account=self.registry_account
            ),
            "model_data": model_data(
                self.model_directory, self.model_directory_exclude, model_id=self.model_id
            ),
            "environment": {
                **self._model_environment(),
                **MODEL_SERVER_WORKERS,
                **self.environment,
            },
            "memory_size_mb": self.memory_size_mb,
            "max_concurrency": self.max_concurrency,
            "provisioned_concurrency": self.provisioned_concurrency,
            "variant_name": self.variant_name,
            "endpoint_name": self.endpoint_name,
            "log_retention": retention(self.log_retention_days),
        }

    def _model_environment(self) -> dict[str, str]:
        """``HF_MODEL_ID`` (unless the artifact holds the model) and ``HF_TASK``."""
        hub = {"HF_MODEL_ID": self.model_id} if self.model_id is not None else {}
        return {**hub, "HF_TASK": self.task}

    def check(self, problems: Problems) -> None:
        """Record problems the endpoint itself would refuse, and image tags that cannot
        run on a serverless endpoint."""
        if not re.fullmatch(IMAGE_TAG_PATTERN, self.image_tag):
            problems.add("image_tag", self.image_tag, f"an image tag matching {IMAGE_TAG_PATTERN}")
        elif GPU_IMAGE_TAG.search(self.image_tag):
            problems.add(
                "image_tag",
                self.image_tag,
                "a CPU tag of huggingface-pytorch-inference such as "
                f"{HUGGING_FACE_DEFAULT_CPU_TAG} (serverless endpoints have no GPUs nor "
                "Inferentia chips; -gpu-, -cuNNN- and -neuronx- tags are builds for them)",
            )
        check_account(problems, "registry_account", self.registry_account)
        if self.model_id is None and self.model_directory is None:
            problems.add(
                "model_id",
                self.model_id,
                "a Hugging Face Hub model id (HF_MODEL_ID); null only with model_directory, "
                "whose files are then the model",
            )
        check_model_directory_setting(
            problems, self.model_directory, self.model_directory_exclude, model_id=self.model_id
        )
        check_endpoint_props(
            problems,
            environment=self.environment,
            memory_size_mb=self.memory_size_mb,
            max_concurrency=self.max_concurrency,
            provisioned_concurrency=self.provisioned_concurrency,
            variant_name=self.variant_name,
            endpoint_name=self.endpoint_name,
        )
        check_retention_days(problems, "log_retention_days", self.log_retention_days)
