"""Run every ``serverless-inference`` subcommand offline and write the examples of docs/cli.md.

AWS is emulated: moto for S3, ECR, SageMaker and CloudWatch, a botocore Stubber for Service
Quotas (moto has none) and the project's fake SageMaker Runtime on 127.0.0.1 with injected
latencies, cold starts and errors. The outputs and charts are the tool's real outputs against
those fakes, shown as a 150-column terminal shows them. Run from the repository root::

    .venv/bin/python docs/cli/make_examples.py
"""

from __future__ import annotations

import io
import json
import os
import random
import shlex
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "constructs"), str(ROOT / "cli"), str(ROOT)]
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}.items():
    os.environ[name] = value
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402
from botocore.stub import Stubber  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.sagemaker import models as moto_sagemaker  # noqa: E402
from rich.console import Console  # noqa: E402

from serverless_inference_cli.aws import AwsContext  # noqa: E402
from serverless_inference_cli.main import main  # noqa: E402
from serverless_inference_runtime.limits import MetricName, metric_namespace  # noqa: E402
from tests.support.ecr import put_fake_image  # noqa: E402
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply  # noqa: E402

MB = 1024**2
ACCOUNT = "123456789012"
SECTIONS: list[str] = []
PATHS: dict[str, str] = {str(ROOT) + "/": ""}
"""Absolute paths shown relative in the recorded output."""


def run(title: str, intro: str, argv: list[str], shown: list[str] | None = None) -> int:
    """Run the command, record the command line, its output and exit status."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=150, color_system=None, force_terminal=True)
    stderr = io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = stderr
    try:
        code = main(argv, console=console)
    finally:
        sys.stderr = real_stderr
    command = "serverless-inference " + " ".join(shlex.quote(a) for a in (shown or argv))
    output = "\n".join(line.rstrip() for line in buffer.getvalue().rstrip().splitlines())
    if stderr.getvalue():
        output += "\n" + stderr.getvalue().rstrip()
    for prefix, short in PATHS.items():
        command = command.replace(prefix, short)
        output = output.replace(prefix, short)
    SECTIONS.append(
        f"## {title}\n\n{intro}\n\n```console\n$ {command}\n{output}\n$ echo $?\n{code}\n```\n"
    )
    print(f"{title}: exit {code}")
    return code


@contextmanager
def service_quotas(concurrency: float, memory_mb: float) -> Iterator[None]:
    """Service Quotas (which moto lacks) answered by a Stubber, as a new account sees them."""
    client = boto3.client("service-quotas", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "list_service_quotas",
        {
            "Quotas": [
                {
                    "QuotaName": "Maximum total concurrency that can be allocated across all "
                    "serverless endpoints",
                    "Value": concurrency,
                },
                {"QuotaName": "Maximum memory size of a serverless endpoint", "Value": memory_mb},
            ]
        },
    )
    stubber.activate()
    real = AwsContext.client

    def stubbed(self: AwsContext, service: str, **kwargs: Any) -> Any:
        return client if service == "service-quotas" else real(self, service, **kwargs)

    AwsContext.client = stubbed  # type: ignore[method-assign]
    try:
        yield
    finally:
        AwsContext.client = real  # type: ignore[method-assign]


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        PATHS[tmp + "/"] = ""
        cwd = Path.cwd()
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(cwd)


def example_check(tmp: Path) -> None:
    (tmp / "payload.json").write_text(
        json.dumps({"inputs": "The delivery was quick and the product works."})
    )
    with mock_aws(), service_quotas(10, 3072):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="my-models")
        s3.put_object(Bucket="my-models", Key="sentiment/model.tar.gz", Body=b"m" * (3 * MB))
        ecr = boto3.client("ecr", region_name="us-east-1")
        put_fake_image(ecr, "sentiment", "v3", 1900 * MB)
        run(
            "check",
            "Before deploying: a 1.1 GB model on 2048 MB, a 1.9 GB image and MaxConcurrency 20 "
            "in an account whose serverless quotas are 10 concurrent and 3072 MB (a new "
            "account's). One line fails, so the exit status is 1. Without credentials, in an "
            "unknown region or when the quotas cannot be read, `check` is an error (exit 2), "
            "never a pass with unknown lines; `--skip-quotas` checks without them.",
            [
                "check",
                "--memory",
                "2048",
                "--model",
                "s3://my-models/sentiment/model.tar.gz",
                "--model-memory-mb",
                "1100",
                "--image",
                f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sentiment:v3",
                "--payload",
                "payload.json",
                "--max-concurrency",
                "20",
                "--endpoint-name",
                "sentiment-prod",
            ],
        )


def example_check_directory() -> None:
    run(
        "check a model directory",
        "`--model` also takes a model directory, checked as `ModelData.from_directory` packs "
        "it (the same layout and size rules, the same default exclusions, `--exclude` for "
        "more), or a local `model.tar.gz`. Here the reference handler of "
        "`docs/examples/batched-sentiment`, whose model comes from the Hub (`HF_MODEL_ID`); "
        "the quotas are skipped.",
        [
            "check",
            "--memory",
            "2048",
            "--model",
            str(ROOT / "docs" / "examples" / "batched-sentiment"),
            "--exclude",
            "README.md",
            "--skip-quotas",
        ],
    )


DURATIONS = "1024:900,2048:450,3072:320,4096:260,5120:240,6144:230"


def example_cost() -> None:
    run(
        "cost",
        "500,000 requests a month, measured durations per tier, provisioned concurrency and "
        "keep-warm on an office-hours schedule (08-18 UTC), against the default instance "
        "types. Provisioned concurrency is billed for the 10 hours it is provisioned; the "
        "requests outside them are billed on demand. The crossover table says at how many "
        "requests a month each instance becomes cheaper; every price is shown with its "
        "provenance.",
        [
            "cost",
            "--requests-per-month",
            "500000",
            "--duration-ms",
            DURATIONS,
            "--memory",
            "2048",
            "--pc-hours-per-day",
            "8-18",
            "--keep-warm-hours",
            "8-18",
            "--chart",
            str(HERE / "cost.png"),
        ],
    )


def example_cost_csv() -> None:
    run(
        "cost --format csv",
        "The same estimate for a script: `--format csv` writes the main table (raw numbers, "
        "the JSON keys as header), `--format json` one document with every table, the "
        "assumptions and the warnings. Here provisioned concurrency meets more traffic than it "
        "can serve: 12,000 requests an hour in office hours at 450 ms, where one environment "
        "serves 8,000 an hour, so 4,000 an hour are billed on demand, with a warning on "
        "standard error.",
        [
            "cost",
            "--requests-per-hour",
            ",".join("12000" if 8 <= h < 18 else "1000" for h in range(24)),
            "--duration-ms",
            "2048:450",
            "--instance-types",
            "ml.c5.large",
            "--keep-warm-minutes",
            "0",
            "--no-chart",
            "--format",
            "csv",
        ],
    )


def _seed_recommend(end: datetime) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(
        ModelName="sentiment-model",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/model",
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sentiment:v3"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="sentiment-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "sentiment-model",
                "ServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
            }
        ],
    )
    created = end - timedelta(days=90)
    real_now = moto_sagemaker.utcnow
    moto_sagemaker.utcnow = lambda: created  # type: ignore[assignment]
    try:
        sagemaker.create_endpoint(
            EndpointName="sentiment-prod", EndpointConfigName="sentiment-config"
        )
    finally:
        moto_sagemaker.utcnow = real_now  # type: ignore[assignment]
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    dims = [
        {"Name": "EndpointName", "Value": "sentiment-prod"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    rng = random.Random(7)
    start = end - timedelta(days=30)
    by_namespace: dict[str, list[dict[str, Any]]] = {}

    def put(metric: str, when: datetime, **value: Any) -> None:
        item = {"MetricName": metric, "Dimensions": dims, "Timestamp": when, **value}
        by_namespace.setdefault(metric_namespace(metric), []).append(item)

    for hour in range(30 * 24):
        when = start + timedelta(hours=hour, minutes=5)
        business = 8 <= when.hour < 18 and when.weekday() < 5
        if not business:
            continue
        calls = rng.randint(40, 90)
        put(MetricName.INVOCATIONS, when, Value=float(calls), Unit="Count")
        put(MetricName.MODEL_LATENCY, when, Value=rng.uniform(180e3, 240e3), Unit="Microseconds")
        put(MetricName.OVERHEAD_LATENCY, when, Value=rng.uniform(15e3, 30e3), Unit="Microseconds")
        put(MetricName.MEMORY_UTILIZATION, when, Value=rng.uniform(22, 31), Unit="Percent")
        put(MetricName.CONCURRENT_EXECUTIONS_UTILIZATION, when, Value=rng.uniform(0.05, 0.1))
        cold = float(rng.randint(1, 3))
        put(
            MetricName.MODEL_SETUP_TIME,
            when,
            StatisticValues={
                "SampleCount": cold,
                "Sum": cold * 6e6,
                "Minimum": 4e6,
                "Maximum": 9.5e6,
            },
            Unit="Microseconds",
        )
    for namespace, items in by_namespace.items():
        for i in range(0, len(items), 500):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=items[i : i + 500])


def example_recommend() -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    with mock_aws():
        _seed_recommend(end)
        run(
            "recommend",
            "30 days of an endpoint serving sparse traffic in weekday office hours (08-18 UTC) "
            "on 4096 MB, seeded into CloudWatch: the model uses about 1.2 GB at peak, and "
            "one to three requests an hour meet a cold start after the endpoint scaled down. "
            "The same latency (model + overhead) sizes the concurrency and prices the options; "
            "a window with no data or no request is reported as such (exit 1), never as an "
            "endpoint to delete.",
            ["recommend", "--endpoint", "sentiment-prod", "--days", "30", "--end", end.isoformat()],
        )


def _latency(index: int, request: RecordedRequest) -> Reply:
    rng = random.Random(index)
    # injected cold starts: the warm-up, then each time concurrency grows, the new environments
    if index in (0, 82, 83, 84, 165, 166, 167, 168):
        return Reply(delay_s=2.5 + rng.uniform(0, 0.3))
    if index % 41 == 20:
        return Reply.error("ModelError", "CUDA out of memory? no: bad input", delay_s=0.05)
    if index % 67 == 33:
        return Reply.error("ThrottlingException", "Rate exceeded")
    return Reply(delay_s=rng.gauss(0.08, 0.012))


def example_benchmark(tmp: Path) -> None:
    (tmp / "payload.json").write_text(
        json.dumps({"inputs": "The delivery was quick and the product works."})
    )
    with FakeSageMakerRuntime(_latency) as fake:
        argv = [
            "benchmark",
            "--endpoint",
            "sentiment-prod",
            "--endpoint-url",
            fake.url,
            "--payload",
            "payload.json",
            "--concurrency",
            "1,4,8",
            "--requests",
            "80",
            "--warmup",
            "1",
            "--memory",
            "2048",
            "--max-error-rate",
            "0.05",
            "--max-p99-ms",
            "1000",
            "--output",
            "benchmark.json",
            "--chart",
            str(HERE / "benchmark.png"),
        ]
        shown = list(argv)
        shown[shown.index(fake.url)] = "http://127.0.0.1:<port>"
        run(
            "benchmark",
            "Against the fake runtime: about 80 ms per request, 2.5 s cold starts injected on "
            "the warm-up and on the first requests of the new environments each time "
            "concurrency grows (3 at x4, 4 at x8), and injected ModelError / "
            "ThrottlingException replies. The gates make it a CI check: the cold starts push "
            "p99 over `--max-p99-ms 1000` at x4 and x8, so the exit status is 1. "
            "`--endpoint-url` points the SageMaker Runtime client at the fake; without it the "
            "regional endpoint is used.",
            argv,
            shown,
        )


def _tier_latency(index: int, request: RecordedRequest) -> Reply:
    tier = int(request.endpoint_name.split("-")[2])
    base = {1024: 0.36, 2048: 0.19, 3072: 0.13, 4096: 0.11}[tier]
    rng = random.Random(index)
    if index % 22 in (0, 1):  # the 2 warm-up requests of each tier start its 2 environments
        return Reply(delay_s=1.8 + rng.uniform(0, 0.4))
    return Reply(delay_s=rng.gauss(base, base * 0.08))


def example_sweep(tmp: Path) -> None:
    (tmp / "payload.json").write_text(
        json.dumps({"inputs": "The delivery was quick and the product works."})
    )
    with mock_aws(), service_quotas(10, 4096), FakeSageMakerRuntime(_tier_latency) as fake:
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        sagemaker.create_model(
            ModelName="sentiment-model",
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/model",
            PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sentiment:v3"},
        )
        argv = [
            "benchmark",
            "--memory-sweep",
            "--model-name",
            "sentiment-model",
            "--endpoint-url",
            fake.url,
            "--payload",
            "payload.json",
            "--concurrency",
            "2",
            "--requests",
            "20",
            "--strategy",
            "balanced",
            "--poll-interval",
            "0",
            "--output",
            "sweep.json",
            "--chart",
            str(HERE / "sweep.png"),
        ]
        shown = list(argv)
        shown[shown.index(fake.url)] = "http://127.0.0.1:<port>"
        shown.remove("--poll-interval")
        shown.remove("0")
        run(
            "benchmark --memory-sweep",
            "One temporary endpoint per tier up to the account's memory quota (4096 MB here), "
            "from an existing model (SageMaker emulated by moto, the runtime by the fake, "
            "slower at less memory as real tiers are); each tier is warmed up at the "
            "concurrency level first (its cold start is the warm-up max), benchmarked and "
            "deleted, and `--output` is rewritten after every tier. `--strategy balanced` "
            "weighs cost and mean latency equally. (The run used `--poll-interval 0` since "
            "moto endpoints are InService at once.)",
            argv,
            shown,
        )
        assert sagemaker.list_endpoints()["Endpoints"] == []


PAGE = HERE.parent / "cli.md"
"""The page this script writes, between its markers."""
BEGIN, END = "<!-- cli:begin -->", "<!-- cli:end -->"
"""The markers around what this script writes into ``PAGE``."""
HEADER = (HERE / "intro.md").read_text()
"""The introduction of what it writes (prose kept in Markdown)."""
IMAGES = (
    "![Monthly cost against monthly requests, one line per option, the points where the "
    "cheapest option changes marked](cli/cost.png)\n\n"
    "![Benchmark: latency per request with suspected cold starts and failed requests, and "
    "percentiles per concurrency](cli/benchmark.png)\n\n"
    "![Memory sweep: cost per 1,000 requests against latency per tier, the winner "
    "starred](cli/sweep.png)\n"
)
"""The charts the examples draw, as ``PAGE`` links them."""


def main_() -> None:
    with workdir() as tmp:
        example_check(tmp)
        example_check_directory()
        example_cost()
        example_cost_csv()
        example_recommend()
        example_benchmark(tmp)
        example_sweep(tmp)
    body = HEADER + "\n" + "\n".join(SECTIONS) + "\n## Charts\n\n" + IMAGES
    before, rest = PAGE.read_text().split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    PAGE.write_text(f"{before}{BEGIN}\n{body}{END}{after}")
    print(f"wrote the examples of {PAGE}")


if __name__ == "__main__":
    main_()
