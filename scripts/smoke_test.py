#!/usr/bin/env python3
"""Smoke test of a deployed inference API: POST a sample payload, SigV4-signed, check the answer.

    python scripts/smoke_test.py \\
        --url https://abc123.execute-api.eu-west-1.amazonaws.com/v1/predict \\
        --payload '{"inputs": "I love this"}' --expect label

The request is signed for ``execute-api`` with the credentials botocore finds (environment,
profile, CodeBuild's container credentials...), or with those of ``--role-arn`` after
assuming it (the pipeline assumes the stage's smoke-test role, in its own account or another).
503 and 504 answers, connection errors and timeouts (a serverless endpoint's cold start)
are retried with exponential backoff.

Prints one line of JSON (``{"result": "pass", ...}``) and exits with
0 when the answer has status 2xx and contains ``--expect`` (a substring, or a regular
expression that matches somewhere in it), 1 on a wrong answer or an HTTP error after the
retries, 2 on a usage or credential error. Needs only the standard library and botocore: the
signed POST is the command-line tool's (``cli/serverless_inference_cli/signed_post.py``),
imported from this checkout, so the pipeline runs it with only boto3 installed.
"""

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.credentials
import botocore.exceptions
import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from serverless_inference_cli.signed_post import NoAnswer, post, sigv4_signer

PASS, FAIL, USAGE = 0, 1, 2
RETRYABLE_STATUSES = frozenset({503, 504})
DEFAULT_PAYLOAD = '{"inputs": "I love this"}'
DEFAULT_EXPECT = "label"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF_SECONDS = 5.0
MAX_BODY_IN_RESULT = 500
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_ROLE_ARN = re.compile(r"^arn:aws[-a-z]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")
_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


class UsageError(Exception):
    """A bad argument or missing credentials: exit code 2."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="POST a SigV4-signed sample payload to the inference API and check the answer."
    )
    parser.add_argument("--url", required=True, help="the API route to POST to (https://...)")
    parser.add_argument(
        "--payload", default=DEFAULT_PAYLOAD, help=f"JSON request body. Default: {DEFAULT_PAYLOAD}"
    )
    parser.add_argument(
        "--expect",
        default=DEFAULT_EXPECT,
        help=f"substring or regular expression the answer must contain. Default: {DEFAULT_EXPECT}",
    )
    parser.add_argument(
        "--region",
        help="region to sign for. Default: the region in an execute-api URL, else AWS_REGION",
    )
    parser.add_argument(
        "--role-arn",
        help="a role to assume first and sign as. Default: - sign with the found credentials",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds to wait for each answer. Default: {DEFAULT_TIMEOUT_SECONDS:g}",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        help="further attempts after a 503/504, a timeout or a connection error. "
        f"Default: {DEFAULT_RETRIES}",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        default=DEFAULT_BACKOFF_SECONDS,
        help="seconds before the first retry, doubled before each next one. "
        f"Default: {DEFAULT_BACKOFF_SECONDS:g}",
    )
    return parser.parse_args(argv)


def resolve_region(url: str, region: str | None) -> str:
    """``region`` if given, else the region of an execute-api host, else the environment's."""
    if region:
        return region
    match = _API_HOST.match(urlsplit(url).hostname or "")
    if match:
        return match.group(1)
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(variable):
            return os.environ[variable]
    raise UsageError("no region: pass --region or set AWS_REGION")


def check_arguments(args: argparse.Namespace) -> bytes:
    """The request body, after checking every argument; raises ``UsageError``."""
    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        raise UsageError(f"--url must be an http(s) URL, got {args.url!r}")
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be more than 0 seconds, got {args.timeout}")
    if args.retries < 0:
        raise UsageError(f"--retries must be 0 or more, got {args.retries}")
    if args.backoff < 0:
        raise UsageError(f"--backoff must be 0 or more seconds, got {args.backoff}")
    if not args.expect:
        raise UsageError("--expect must not be empty")
    if args.role_arn is not None and not _ROLE_ARN.match(args.role_arn):
        raise UsageError(f"--role-arn must be an IAM role ARN, got {args.role_arn!r}")
    try:
        payload = json.loads(args.payload)
    except json.JSONDecodeError as error:
        raise UsageError(f"--payload must be JSON: {error}") from error
    return json.dumps(payload).encode()


def load_credentials(role_arn: str | None, region: str) -> Any:
    """botocore's credentials (environment, profile, container or instance role), or those
    of ``role_arn`` assumed with them."""
    session = botocore.session.Session()
    try:
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as error:
        raise UsageError(f"cannot load AWS credentials: {error}") from error
    if credentials is None:
        raise UsageError("no AWS credentials found (environment, profile or role)")
    if role_arn is None:
        return credentials
    try:
        sts = session.create_client("sts", region_name=region)
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="smoke-test")["Credentials"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise UsageError(f"cannot assume {role_arn}: {error}") from error
    return botocore.credentials.Credentials(
        assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]
    )


def contains(text: str, expect: str) -> bool:
    """Whether ``expect`` occurs in ``text`` as a substring or as a regular expression."""
    if expect in text:
        return True
    try:
        return re.search(expect, text) is not None
    except re.error:
        return False


def run(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Call the API until a final answer; the exit code and the result to print."""
    result: dict[str, Any] = {"url": args.url}
    try:
        body = check_arguments(args)
        region = resolve_region(args.url, args.region)
        credentials = load_credentials(args.role_arn, region)
    except UsageError as error:
        return USAGE, {**result, "result": "error", "reason": str(error)}
    result["region"] = region
    signer = sigv4_signer(credentials, region)
    started = time.monotonic()
    status: int | None = None
    text = ""
    reason = ""
    for attempt in range(1, args.retries + 2):
        result["attempts"] = attempt
        try:
            answer = post(args.url, body, HEADERS, timeout_s=args.timeout, signer=signer)
            status, text = answer.status, answer.body.decode("utf-8", "replace")
            reason = f"HTTP {status}"
        except NoAnswer as error:
            status, text = None, ""
            reason = f"no answer: {getattr(error, 'reason', error)}"
        retryable = status is None or status in RETRYABLE_STATUSES
        if not retryable or attempt > args.retries:
            break
        time.sleep(args.backoff * 2 ** (attempt - 1))
    result.update(
        status=status,
        elapsed_ms=round((time.monotonic() - started) * 1000),
        response=text[:MAX_BODY_IN_RESULT],
    )
    if status is None or not 200 <= status < 300:
        return FAIL, {**result, "result": "fail", "reason": reason}
    if not contains(text, args.expect):
        return FAIL, {
            **result,
            "result": "fail",
            "reason": f"the answer does not contain {args.expect!r}",
        }
    return PASS, {**result, "result": "pass"}


def main(argv: Sequence[str] | None = None) -> int:
    code, result = run(parse_args(argv))
    print(json.dumps(result, sort_keys=True))
    return code


if __name__ == "__main__":
    sys.exit(main())
