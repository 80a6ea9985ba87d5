"""`make bench-fan-out`: the fan-out function's time against its slowest member.

The handler runs locally, as Lambda runs it, against the fake SageMaker Runtime of the tests
(127.0.0.1, each answer written in one send), with three members that answer in 100, 200 and
300 ms. For each ``--concurrency`` level it runs ``--rounds`` rounds of that many requests
sent at the same moment (one at a time for level 1), each request by its own process (a Lambda
execution environment serves one request at a time, with its own client). Printed: the median,
p95 and maximum of the requests' times and their ratio to the slowest member; the target is a
median within 1.2x of it (parallel calls, not their sum). Exit status 1 when the target is
missed.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Sequence
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "constructs")]

from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply  # noqa: E402

DELAYS_S = {"sentiment-ep": 0.1, "entities-ep": 0.2, "topic-ep": 0.3}
"""Each member's endpoint and how long it takes to answer."""
SLOWEST_S = max(DELAYS_S.values())
TARGET_RATIO = 1.2
EVENT = {
    "body": '{"inputs": "my parcel never arrived"}',
    "headers": {"Content-Type": "application/json"},
    "isBase64Encoded": False,
    "requestContext": {"requestId": "bench"},
}


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _environment(fake_url: str) -> dict[str, str]:
    members = [
        {"name": name.removesuffix("-ep"), "endpoint": name, "required": True} for name in DELAYS_S
    ]
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": fake_url,
        "FAN_OUT_MEMBERS": json.dumps(members),
        "MEMBER_TIMEOUT_SECONDS": "10",
        "DEADLINE_SECONDS": "10",
        "AWS_LAMBDA_FUNCTION_NAME": "bench-fan-out",
    }


def _environment_process(barrier: Barrier, rounds: int, results: Any) -> None:
    """One execution environment: a warm-up request, then ``rounds`` timed ones, each started
    together with the other environments' (the barrier)."""
    from serverless_inference_runtime.fan_out import handler

    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the handler's log lines
    handler.handler(EVENT, _Context())
    times: list[float] = []
    for _ in range(rounds):
        barrier.wait()
        began = time.perf_counter()
        response = handler.handler(EVENT, _Context())
        times.append(time.perf_counter() - began)
        assert response["statusCode"] == 200, response
    results.put(times)


def measure(concurrency: int, rounds: int) -> list[float]:
    """The time of every request of ``rounds`` rounds of ``concurrency`` simultaneous ones."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(concurrency)
    results = context.Queue()
    workers = [
        context.Process(target=_environment_process, args=(barrier, rounds, results))
        for _ in range(concurrency)
    ]
    for worker in workers:
        worker.start()
    times = [t for _ in workers for t in results.get(timeout=600)]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"an environment failed (exit status {worker.exitcode})")
    return times


def _row(concurrency: int, times: Sequence[float]) -> tuple[str, bool]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    ratio = median / SLOWEST_S
    line = (
        f"{concurrency:>11}  {len(ordered):>8}  {median * 1000:>9.1f}  {p95 * 1000:>6.1f}  "
        f"{max(ordered) * 1000:>6.1f}  {ratio:>14.3f}  {p95 / SLOWEST_S:>11.3f}"
    )
    return line, ratio <= TARGET_RATIO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds per level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    args = parser.parse_args(argv)

    def behaviour(_index: int, request: RecordedRequest) -> Reply:
        return Reply(delay_s=DELAYS_S[request.endpoint_name])

    with FakeSageMakerRuntime(behaviour) as fake:
        os.environ.update(_environment(fake.url))
        print(
            "members answer in "
            + ", ".join(f"{d * 1000:.0f}" for d in DELAYS_S.values())
            + f" ms (slowest {SLOWEST_S * 1000:.0f} ms); target: median within "
            f"{TARGET_RATIO}x of the slowest"
        )
        print("concurrency  requests  median ms  p95 ms  max ms  median/slowest  p95/slowest")
        met = True
        for concurrency in args.concurrency:
            line, ok = _row(concurrency, measure(concurrency, args.rounds))
            print(line, flush=True)
            met = met and ok
    print("target met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
