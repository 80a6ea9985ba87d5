"""Helpers of the command tests: run ``main`` with captured output, known prices, stubbed
Service Quotas, chart checks."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.stub import Stubber
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from rich.console import Console

from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.main import main
from serverless_inference_cli.prices import FreeTier, InstancePrice, Prices, Rate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rate(value: float) -> Rate:
    return Rate(value, "hand-made for tests", verified=False)


PRICES = Prices(
    region="us-east-1",
    currency="USD",
    checked="test",
    origin="tests",
    rates={
        "serverless_compute_per_gb_second": _rate(0.00002),
        "data_processing_per_gb": _rate(0.016),
        "provisioned_concurrency_per_gb_second": _rate(0.000005),
        "provisioned_inference_per_gb_second": _rate(0.00001),
    },
    free_tier=FreeTier(150_000, 2, "tests"),
    instances={
        "ml.c5.large": InstancePrice("ml.c5.large", _rate(0.102), 4, 2),
        "ml.m5.large": InstancePrice("ml.m5.large", _rate(0.115), 8, 2),
    },
)

QUOTAS = [
    {
        "QuotaName": "Maximum total concurrency that can be allocated across all serverless "
        "endpoints",
        "Value": 10.0,
    },
    {"QuotaName": "Maximum memory size of a serverless endpoint", "Value": 3072.0},
    {"QuotaName": "Maximum number of serverless endpoints", "Value": 50.0},
]
"""Service Quotas as a new account sees them (10 concurrent, 3072 MB)."""


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str, width: int = 200) -> Run:
    """``serverless-inference *argv`` with a plain console (not a terminal) of ``width``
    columns; stdout/stderr captured."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    code = main(list(argv), console=console)
    captured = capsys.readouterr()
    return Run(code, buffer.getvalue() + captured.out, captured.err)


def quotas_client(quotas: Sequence[dict[str, Any]] | None = None, error: str | None = None) -> Any:
    """A Service Quotas client answering ``list_service_quotas`` once (or failing)."""
    client = boto3.client("service-quotas", region_name="us-east-1")
    stubber = Stubber(client)
    if error is not None:
        stubber.add_client_error(
            "list_service_quotas", service_error_code=error, service_message="denied"
        )
    else:
        stubber.add_response(
            "list_service_quotas",
            {"Quotas": list(quotas if quotas is not None else QUOTAS)},
            {"ServiceCode": "sagemaker"},
        )
    stubber.activate()
    return client


@contextmanager
def stubbed(monkeypatch: pytest.MonkeyPatch, **clients: Any) -> Iterator[None]:
    """``AwsContext.client`` answers with the given clients (``service_quotas=...``), and
    creates the others as usual (moto's, under ``mock_aws``)."""
    real = AwsContext.client

    def client(self: AwsContext, service: str, **kwargs: Any) -> Any:
        given = clients.get(service.replace("-", "_"))
        return given if given is not None else real(self, service, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(AwsContext, "client", client)
        yield


def create_model() -> Any:
    """moto's SageMaker with a model ``sentiment-model`` (under ``mock_aws``)."""
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(
        ModelName="sentiment-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiment:1"},
    )
    return sagemaker


def leftovers(sagemaker: Any) -> tuple[list[str], list[str]]:
    """The endpoints and endpoint configs that exist."""
    endpoints = [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]]
    configs = [
        c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
    ]
    return endpoints, configs


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


def labelled_lines(figure: Figure) -> list[Line2D]:
    """The data lines of a figure (helper lines are labelled ``_...``)."""
    return [
        line
        for axes in figure.axes
        for line in axes.get_lines()
        if not str(line.get_label()).startswith("_")
    ]


def xdata(line: Line2D) -> list[float]:
    return [float(v) for v in np.asarray(line.get_xdata())]


def ydata(line: Line2D) -> list[float]:
    return [float(v) for v in np.asarray(line.get_ydata())]
