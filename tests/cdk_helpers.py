"""Synthesis helpers shared by the tests: the app as `cdk synth` builds it, and linted templates."""

import json
import re
import tarfile
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from aws_cdk import App, CfnElement, Environment, Stack, Token
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint
from constructs import IConstruct

from stacks import build_app
from stacks.config import CDK_NAG_CONTEXT_KEY, CONFIGURATION_CONTEXT_KEYS
from tests.observability_checks import observability_problems

ROOT = Path(__file__).resolve().parents[1]
LINT_REGIONS = ["us-east-1", "eu-west-1"]
IGNORED_CFN_LINT_RULES: dict[str, str] = {}
"""cfn-lint rules the tests ignore, with the reason: none so far."""
REFERENCE_CONFIGURATION: dict[str, Any] = {
    "pipeline": None,
    "cdk_nag": False,
    "serverless_concurrency_quota": 10,
    "environments": {
        "dev": {
            "endpoint": {"memory_size_mb": 2048, "max_concurrency": 2},
            "keep_warm": {"enabled": True, "concurrency": 1, "rate_minutes": 5},
        },
        "prod": {
            "endpoint": {"memory_size_mb": 3072, "max_concurrency": 4},
            "keep_warm": {"enabled": True, "concurrency": 1, "rate_minutes": 5},
        },
    },
}
"""The configuration the tests build "the default app" from: the one cdk.json ships, written
out here so that the tests hold whatever valid configuration cdk.json holds (the pipeline's
own build runs them with its ``pipeline`` object configured)."""


def live_cdk_json_context() -> dict[str, Any]:
    """The context of cdk.json as it is now, as `cdk synth` passes it to the app."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@cache
def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (feature flags, CLI settings) with the app's configuration
    replaced by ``REFERENCE_CONFIGURATION``: the context the tests' apps are built from."""
    live = live_cdk_json_context()
    context = {key: value for key, value in live.items() if key not in CONFIGURATION_CONTEXT_KEYS}
    return {**context, **json.loads(json.dumps(REFERENCE_CONFIGURATION))}


def build_default_app(overrides: dict[str, Any] | None = None) -> tuple[App, dict[str, Stack]]:
    """The app as app.py builds it from ``cdk_json_context()`` and ``-c`` style overrides, with
    cdk-nag switched on (``cdk_nag``): the tests are where every app they build meets cdk-nag."""
    app = App(context={**cdk_json_context(), CDK_NAG_CONTEXT_KEY: True, **(overrides or {})})
    stacks = build_app(app)
    return app, dict(stacks)


def cfn_lint_findings(template: dict[str, Any]) -> list[str]:
    """cfn-lint's findings for a template, minus the ignored rules."""
    matches = lint(
        json.dumps(template),
        config=ManualArgs(regions=LINT_REGIONS, ignore_checks=list(IGNORED_CFN_LINT_RULES)),
    )
    return [f"{match.rule.id} {match.message}" for match in matches]


def linted_template(stack: Stack) -> Template:
    """The stack's template, failing the test when cfn-lint finds anything in it, or when an
    alarm could not notify anyone or watches an undocumented statistic
    (``observability_checks``)."""
    template = Template.from_stack(stack)
    template_json = dict(template.to_json())
    findings = cfn_lint_findings(template_json)
    assert findings == [], f"cfn-lint findings in {stack.stack_name}: {findings}"
    problems = observability_problems(
        template_json,
        region=None if Token.is_unresolved(stack.region) else stack.region,
        account=None if Token.is_unresolved(stack.account) else stack.account,
    )
    assert problems == [], f"alarm and dashboard problems in {stack.stack_name}: {problems}"
    return template


def new_stack(region: str | None = None) -> Stack:
    """An empty stack in a fresh app (region-agnostic unless ``region`` is given)."""
    return Stack(App(), "TestStack", env=Environment(region=region) if region else None)


def logical_id(construct: IConstruct) -> str:
    """The logical id of a construct's CloudFormation resource (itself or its default child)."""
    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    assert isinstance(element, CfnElement), f"{construct.node.path} has no CloudFormation resource"
    return Stack.of(element).get_logical_id(element)


def region_agnostic_arn(service: str, resource: str) -> dict[str, Any]:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` as a region-agnostic stack's
    template writes it (``Fn::Join`` of the pseudo parameters)."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":{service}:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{resource}",
            ],
        ]
    }


def resources_of_type(template: Template, resource_type: str) -> dict[str, Any]:
    """The resources of one type in a template, by logical id."""
    return dict(template.find_resources(resource_type))


@cache
def cdk_default_rego_rule_types() -> dict[str, set[str]]:
    """The resource types (or ``AWS::Service`` prefixes) each Rego rule file aws-cdk-lib ships
    for its built-in CloudFormation Validate names, read from the installed aws-cdk-lib."""
    jsii_module = find_spec("aws_cdk._jsii")
    assert jsii_module is not None and jsii_module.origin is not None
    (tarball,) = Path(jsii_module.origin).parent.glob("aws-cdk-lib@*.jsii.tgz")
    rules: dict[str, set[str]] = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            name = member.name.removeprefix("package/core/lib/validation/rules/")
            rule_file = archive.extractfile(member) if name.endswith(".rego") else None
            if name != member.name and rule_file is not None:
                rules[name] = set(re.findall(r"AWS::\w+(?:::\w+)?", rule_file.read().decode()))
    return rules


def types_inspected_by(rules: dict[str, set[str]], resource_types: set[str]) -> dict[str, str]:
    """Which of ``resource_types`` a rule file inspects (rule file by resource type)."""
    return {
        resource_type: rule
        for rule, inspected in rules.items()
        for resource_type in resource_types
        if any(resource_type == t or resource_type.startswith(f"{t}::") for t in inspected)
    }
