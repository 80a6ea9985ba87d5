"""cdk-nag and InferenceApi: the construct acknowledges only what it makes safe by design or
what its props chose explicitly. WAF (``AwsSolutions-APIG3``) and a Cognito authorizer
(``AwsSolutions-COG4``) are deployment choices: a user's cdk-nag report shows them, and the
default app acknowledges them in its stack, with its reasons, only where its settings need it.
"""

import json
import re
from pathlib import Path
from typing import Any, Final

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_cognito as cognito
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from serverless_inference import ApiAuth, ContainerImage, InferenceApi, ServerlessEndpoint
from stacks.inference_stack import InferenceStack
from tests.cdk_helpers import build_default_app, linted_template
from tests.conftest import SynthesizedApp

USER_POOL_ARN: Final = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123"
WEB_ACL_ARN: Final = (
    "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/inference/"
    "a1b2c3d4-5678-90ab-cdef-0123456789ab"
)
WAF: Final = "AwsSolutions-APIG3"
COGNITO: Final = "AwsSolutions-COG4"


def cdk_nag_findings(app: App) -> set[str]:
    """The rules cdk-nag reports for the app, errors and warnings, whether or not they fail
    the synthesis."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        report_path = Path(app.synth().directory, "validation-report.json")
    except RuntimeError as failure:
        found = re.search(r"can be found in: (\S+validation-report\.json)", str(failure))
        assert found is not None, failure
        report_path = Path(found[1])
    report = json.loads(report_path.read_text())
    return {
        violation["ruleName"]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
    }


def acknowledged_rules(construct: IConstruct) -> dict[str, str]:
    """The cdk-nag rules acknowledged on the construct and its children, with their reasons."""
    rules: dict[str, str] = {}
    for child in construct.node.find_all():
        for entry in child.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                rules.update({key.split("::")[-1]: reason for key, reason in entry.data.items()})
    return rules


def bare_api_auth(stack: Stack, auth: str) -> ApiAuth:
    if auth == "cognito":
        pool = cognito.UserPool.from_user_pool_arn(stack, "Pool", USER_POOL_ARN)
        return ApiAuth.cognito([pool])
    return {"iam": ApiAuth.iam(), "api_key": ApiAuth.api_key(), "none": ApiAuth.none()}[auth]


@pytest.mark.parametrize(
    ("auth", "props", "expected"),
    [
        ("iam", {}, {WAF, COGNITO}),
        ("api_key", {}, {WAF, COGNITO}),
        ("none", {}, {WAF, COGNITO}),
        ("iam", {"web_acl_arn": WEB_ACL_ARN}, {COGNITO}),
        ("cognito", {}, {WAF}),
        ("cognito", {"web_acl_arn": WEB_ACL_ARN}, set()),
    ],
)
def test_a_bare_api_leaves_waf_and_the_authorizer_to_the_apps_report(
    auth: str, props: dict[str, Any], expected: set[str]
) -> None:
    """GIVEN an InferenceApi in a user's stack WHEN cdk-nag checks it THEN the report shows
    exactly the WAF and authorizer findings of its settings, and nothing the library made
    safe (APIG4 for an explicit api_key or none, IAM4 of the logging role, ...)."""
    app = App()
    stack = Stack(app, "UserStack")
    endpoint = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    InferenceApi(stack, "Api", endpoint=endpoint, auth=bare_api_auth(stack, auth), **props)
    assert cdk_nag_findings(app) == expected


def test_default_app_acknowledges_both_with_its_reasons(default_app: SynthesizedApp) -> None:
    """The default app reports neither (tests/test_app.py: nothing unacknowledged) because
    its stack, not the library, acknowledges them, naming the cdk.json key behind each."""
    for stack in default_app.stacks.values():
        assert isinstance(stack, InferenceStack) and stack.api is not None
        rules = acknowledged_rules(stack.api)
        assert "api.web_acl_arn is not set in cdk.json" in rules[WAF]
        assert rules[COGNITO].startswith("api.auth is iam in cdk.json")


def test_default_app_acknowledges_nothing_it_does_not_need() -> None:
    app, stacks = build_default_app(
        {
            "env": "dev",
            "api.auth": "cognito",
            "api.cognito_user_pool_arn": USER_POOL_ARN,
            "api.web_acl_arn": WEB_ACL_ARN,
        }
    )
    app.synth()  # cdk-nag runs here and raises on an unacknowledged finding
    stack = stacks["dev"]
    linted_template(stack)
    assert isinstance(stack, InferenceStack) and stack.api is not None
    assert not {WAF, COGNITO} & set(acknowledged_rules(stack.api))
