"""``check``: each rule at its boundaries, S3/ECR look-ups on moto, quotas via a Stubber, and
the errors that are not passes: no credentials, an unknown region, unreadable quotas."""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from serverless_inference_cli.artifacts import Status, check_artifact_disk
from serverless_inference_cli.check.rules import (
    check_concurrency,
    check_endpoint_name,
    check_image,
    check_memory_quota,
    check_memory_tier,
    check_model_fits,
    check_payload,
    check_provisioned,
)
from serverless_inference_cli.quotas import Quotas, match_quotas
from tests.cli.helpers import QUOTAS, quotas_client, run_cli, stubbed
from tests.support.ecr import put_fake_image

MB = 1024**2
GB = 1024**3
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sentiment:v1"


@pytest.mark.parametrize(
    ("memory", "status"), [(1024, Status.PASS), (6144, Status.PASS), (1500, Status.FAIL)]
)
def test_memory_tier(memory: int, status: Status) -> None:
    assert check_memory_tier(memory).status is status


def test_memory_tier_fix_names_the_next_tier() -> None:
    assert check_memory_tier(1500).fix == "use 2048 MB"


@pytest.mark.parametrize(
    ("memory", "model_mb", "status"),
    [
        (2048, 1024, Status.PASS),  # exactly 2x
        (2048, 1025, Status.WARN),
        (2048, 2048, Status.WARN),  # exactly 1x
        (2048, 2049, Status.FAIL),
    ],
)
def test_model_fits_memory_at_the_boundaries(memory: int, model_mb: float, status: Status) -> None:
    assert check_model_fits(memory, None, model_mb).status is status


def test_model_fits_uses_the_artifact_size_and_names_the_safe_tier() -> None:
    finding = check_model_fits(2048, 1500 * MB, None)
    assert finding.status is Status.WARN
    assert finding.fix == "use --memory 3072 (2x headroom)"
    assert "artifact size" in finding.reason
    too_big = check_model_fits(6144, 4000 * MB, None)
    assert too_big.status is Status.WARN
    assert "quantize" in too_big.fix


def test_artifact_disk_limits() -> None:
    assert check_artifact_disk(2 * GB).status is Status.PASS
    assert check_artifact_disk(3 * GB).status is Status.WARN
    assert check_artifact_disk(5 * GB + 1).status is Status.FAIL


def test_image_limits() -> None:
    assert check_image(400 * MB).status is Status.PASS
    assert check_image(501 * MB).status is Status.WARN
    assert check_image(10 * GB + 1).status is Status.FAIL


def test_payload_limits() -> None:
    assert check_payload(4 * MB).status is Status.WARN
    assert check_payload(4 * MB + 1).status is Status.FAIL
    assert check_payload(1024).status is Status.PASS


def test_concurrency_against_limit_and_quota() -> None:
    quotas = Quotas(total_concurrency=10)
    assert check_concurrency(10, quotas).status is Status.PASS
    over = check_concurrency(11, quotas)
    assert over.status is Status.FAIL
    assert over.fix == "use at most 10 or request a quota increase"
    assert check_concurrency(201, quotas).status is Status.FAIL
    unknown = check_concurrency(5, Quotas(missing="AccessDenied"))
    assert unknown.status is Status.UNKNOWN
    assert "AccessDenied" in unknown.reason


def test_provisioned_must_not_exceed_max() -> None:
    assert check_provisioned(5, 5).status is Status.PASS
    assert check_provisioned(6, 5).status is Status.FAIL
    assert check_provisioned(0, 5).status is Status.FAIL


def test_memory_quota() -> None:
    assert check_memory_quota(3072, Quotas(max_memory_mb=3072)).status is Status.PASS
    assert check_memory_quota(4096, Quotas(max_memory_mb=3072)).status is Status.FAIL
    assert check_memory_quota(4096, Quotas()).status is Status.UNKNOWN


def test_endpoint_name() -> None:
    assert check_endpoint_name("sentiment-prod").status is Status.PASS
    mixed = check_endpoint_name("Sentiment_Prod")
    assert mixed.status is Status.FAIL
    assert mixed.fix == "use sentiment-prod"
    assert check_endpoint_name("a" * 64).status is Status.FAIL


def test_quotas_are_matched_by_name() -> None:
    assert match_quotas(QUOTAS) == Quotas(10, 3072, None)
    partial = match_quotas(QUOTAS[1:])
    assert partial.total_concurrency is None
    assert partial.missing == "no concurrency quota listed"


# ---------------------------------------------------------------- the command


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto with a model artifact in S3, an image in ECR and stubbed Service Quotas."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="models-bucket")
        s3.put_object(Bucket="models-bucket", Key="model.tar.gz", Body=b"x" * (300 * 1024))
        ecr = boto3.client("ecr", region_name="us-east-1")
        put_fake_image(ecr, "sentiment", "v1", 600 * MB)
        with stubbed(monkeypatch, service_quotas=quotas_client(QUOTAS)):
            yield


def test_check_command_reports_each_line(
    aws: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"inputs": "hello"}')
    result = run_cli(
        capsys,
        "check",
        "--memory",
        "2048",
        "--model",
        "s3://models-bucket/model.tar.gz",
        "--model-memory-mb",
        "700",
        "--image",
        IMAGE,
        "--payload",
        str(payload),
        "--max-concurrency",
        "8",
        "--provisioned-concurrency",
        "2",
        "--endpoint-name",
        "sentiment-prod",
    )
    assert result.code == 0, result.out + result.err
    out = result.out
    assert "300.0 KB" in out
    assert "2048 MB for a 700 MB model (2.9x)" in out
    assert "600.0 MB (compressed, as ECR reports it)" in out
    assert "WARN" in out and "larger images make cold starts longer" in out
    assert "8 of quota 10" in out
    assert "2048 MB of quota 3072 MB" in out
    assert "~0 s to download and unpack (estimate)" in out  # an S3 object: its size alone
    assert "9 passed, 1 warnings, 0 failed, 0 unknown" in out


def test_check_command_fails_with_exit_1_and_says_why(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys,
        "check",
        "--memory",
        "4096",
        "--model",
        "s3://models-bucket/missing.tar.gz",
        "--image",
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sentiment:nope",
        "--max-concurrency",
        "20",
    )
    assert result.code == 1
    out = result.out
    assert "no such S3 object" in out
    assert "no such repository or image in ECR" in out
    assert "20 > quota 10" in out
    assert "4096 MB > quota 3072 MB" in out
    assert "0 failed" not in out


def test_check_command_non_ecr_image_fails(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "--memory", "2048", "--image", "docker.io/library/python")
    assert result.code == 1
    assert "push the image to ECR" in result.out


def test_check_command_offline_with_local_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = tmp_path / "model.tar.gz"
    with tarfile.open(model, "w:gz") as archive:
        weights = tmp_path / "model.safetensors"
        weights.write_bytes(os.urandom(1200 * 1024))
        archive.add(weights, arcname="model.safetensors")
    result = run_cli(
        capsys,
        "check",
        "--memory",
        "1024",
        "--model",
        str(model),
        "--handler-optional",
        "--skip-quotas",
    )
    assert result.code == 0, result.out
    assert "1024 MB for a 1 MB model" in result.out
    assert "account quota unknown (--skip-quotas)" in result.out
    missing = run_cli(
        capsys, "check", "--memory", "1024", "--model", str(tmp_path / "no.tgz"), "--skip-quotas"
    )
    assert missing.code == 1
    assert "no such file or directory" in missing.out


def test_check_command_access_denied_on_s3_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(s3)
    stubber.add_client_error("head_object", service_error_code="AccessDenied", http_status_code=403)
    stubber.activate()
    with stubbed(monkeypatch, s3=s3):
        result = run_cli(
            capsys, "check", "--memory", "1024", "--model", "s3://b/k.tar.gz", "--skip-quotas"
        )
    assert result.code == 2
    assert "Cannot read s3://b/k.tar.gz: access denied" in result.err


def test_check_without_credentials_is_an_error_not_a_pass_with_unknown_lines(
    capsys: pytest.CaptureFixture[str], no_credentials: None
) -> None:
    result = run_cli(capsys, "check", "--memory", "2048", "--max-concurrency", "5")
    assert result.code == 2
    assert "Cannot call AWS: no AWS credentials found" in result.err
    assert "pass --profile" in result.err
    assert "UNKNOWN" not in result.out and result.out == ""


def test_check_in_an_unknown_region_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "--memory", "2048", "--region", "eu-nowhere-1")
    assert result.code == 2
    assert "Unknown AWS region 'eu-nowhere-1' (from --region, AWS_REGION or the profile)" in (
        result.err
    )


def test_quotas_that_cannot_be_read_are_an_error_naming_skip_quotas(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with stubbed(monkeypatch, service_quotas=quotas_client(error="AccessDeniedException")):
        result = run_cli(capsys, "check", "--memory", "2048", "--max-concurrency", "5")
    assert result.code == 2
    assert "Cannot read the SageMaker quotas (Service Quotas ListServiceQuotas): access denied" in (
        result.err
    )
    assert "Pass --skip-quotas to check without the account's quotas." in result.err


def test_local_checks_need_no_aws_at_all(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_credentials: None,
    payload: Path,
) -> None:
    # no credentials, no region: a local payload and --skip-quotas still check
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = run_cli(
        capsys, "check", "--memory", "2048", "--payload", str(payload), "--skip-quotas"
    )
    assert result.code == 0, result.err


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_check_machine_formats(
    aws: None, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    result = run_cli(
        capsys,
        "check",
        "--memory",
        "4096",
        "--max-concurrency",
        "8",
        "--format",
        output_format,
    )
    assert result.code == 1
    if output_format == "json":
        document = json.loads(result.out)
        statuses = {f["check"]: f["status"] for f in document["findings"]}
        assert statuses == {
            "memory tier": "pass",
            "max concurrency": "pass",
            "memory quota": "fail",
        }
        assert document["counts"] == {"pass": 2, "warn": 0, "fail": 1, "unknown": 0}
        assert document["passed"] is False
    else:
        lines = result.out.splitlines()
        assert lines[0] == "check,status,value,reason,fix"
        assert lines[-1].startswith("memory quota,fail,4096 MB > quota 3072 MB,")
