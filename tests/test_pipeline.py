"""The CDK pipeline: absent by default; once configured, source -> synth -> self-mutation ->
dev -> smoke test -> approval -> prod, checked by cdk-nag and cfn-lint; its config errors.

The configured app is synthesized once, as ``cdk synth -c env=dev -c pipeline='{...}'``
builds it, with prod in another account than the pipeline (the cross-account case).
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template
from aws_cdk.cx_api import CloudAssembly

from stacks import PIPELINE_STACK_ID, STACK_NAME_PREFIX, build_app
from stacks.config import load_config
from stacks.pipeline_stack import (
    INSTALL_COMMANDS,
    RUNTIME_VERSIONS,
    SMOKE_TEST_ROLE_TAG,
    SYNTH_COMMANDS,
    PipelineStack,
)
from stacks.settings.pipeline import PipelineSettings
from tests.cdk_helpers import (
    ROOT,
    build_default_app,
    cdk_default_rego_rule_types,
    cdk_json_context,
    cfn_lint_findings,
    types_inspected_by,
)

PIPELINE_ACCOUNT = "123456789012"
PROD_ACCOUNT = "210987654321"
REGION = "eu-west-1"
REPOSITORY = "example-org/serverless-inference"
CONNECTION_ARN = (
    f"arn:aws:codestar-connections:{REGION}:{PIPELINE_ACCOUNT}"
    ":connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)
PIPELINE = {
    "repository": REPOSITORY,
    "connection_arn": CONNECTION_ARN,
    "account": PIPELINE_ACCOUNT,
    "region": REGION,
}
ENVIRONMENTS: dict[str, Any] = {"dev": {}, "prod": {}}
CDK_PIPELINES_FINDINGS = {
    r"^W3005 '\w+' dependency already enforced by a 'GetAtt' at 'Resources/\w+/Properties/RoleArn'$": (
        "CDK Pipelines makes the pipeline depend on its role explicitly, next to the GetAtt"
    ),
    r"^E3703 Prefer using Fn::Sub over Fn::Join with an empty delimiter$": (
        "each deploy action's RoleArn is the bootstrap role ARN as CDK's synthesizer writes it"
    ),
}
"""cfn-lint findings in code CDK Pipelines generates (at most one per deploy stage), with why."""


@dataclass(frozen=True)
class SynthesizedPipeline:
    """The app with the pipeline configured, after synthesis (cdk-nag ran as part of it)."""

    app: App
    assembly: CloudAssembly
    stack: PipelineStack
    template_json: dict[str, Any]

    @property
    def template(self) -> Template:
        return Template.from_json(self.template_json)

    def stages(self) -> dict[str, list[dict[str, Any]]]:
        """The CodePipeline's actions by stage name, in pipeline order."""
        (pipeline,) = self.template.find_resources("AWS::CodePipeline::Pipeline").values()
        return {stage["Name"]: stage["Actions"] for stage in pipeline["Properties"]["Stages"]}

    def project(self, action: dict[str, Any]) -> dict[str, Any]:
        """The properties of the CodeBuild project a CodeBuild action runs."""
        logical_id = action["Configuration"]["ProjectName"]["Ref"]
        properties: dict[str, Any] = self.template_json["Resources"][logical_id]["Properties"]
        return properties

    def stage_template(self, name: str) -> dict[str, Any]:
        """The template of the stack a pipeline stage deploys."""
        stage = self.stack.stages[name]
        template: dict[str, Any] = stage.synth().get_stack_by_name(stage.stack.stack_name).template
        return template


def _action(actions: list[dict[str, Any]], name_suffix: str) -> dict[str, Any]:
    (action,) = [action for action in actions if action["Name"].endswith(name_suffix)]
    return action


@pytest.fixture(scope="module")
def configured() -> SynthesizedPipeline:
    """`cdk synth -c env=dev -c pipeline='{...}'`, prod in another account (as JSON text)."""
    app, _ = build_default_app(
        {
            "env": "dev",
            "pipeline": json.dumps(PIPELINE),
            "environments.prod.account": PROD_ACCOUNT,
        }
    )
    assembly = app.synth()
    stack = app.node.find_child(PIPELINE_STACK_ID)
    assert isinstance(stack, PipelineStack)
    template_json = assembly.get_stack_by_name(stack.stack_name).template
    return SynthesizedPipeline(app, assembly, stack, template_json)


# --- absent by default -----------------------------------------------------------------


def test_default_app_has_no_pipeline_stack() -> None:
    assert load_config(cdk_json_context()).pipeline is None
    app, stacks = build_default_app()
    assert sorted(stacks) == ["dev", "prod"]
    assert app.node.try_find_child(PIPELINE_STACK_ID) is None


# --- which stacks `cdk deploy` selects --------------------------------------------------------


def test_with_a_pipeline_the_environments_get_no_stack_of_their_own() -> None:
    # GIVEN cdk.json with the pipeline configured and no -c env
    app = App(context={**cdk_json_context(), "pipeline": PIPELINE})
    # THEN the app has the pipeline stack alone: `cdk deploy --all` cannot overwrite the
    # stages' stacks (same names) with templates of its own
    assert build_app(app) == {}
    assembly = app.synth()
    assert [stack.stack_name for stack in assembly.stacks] == [PIPELINE_STACK_ID]
    stage_stacks = [
        stack.stack_name
        for nested in assembly.nested_assemblies
        for stack in nested.nested_assembly.stacks
    ]
    assert sorted(stage_stacks) == [f"{STACK_NAME_PREFIX}-dev", f"{STACK_NAME_PREFIX}-prod"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["deploy", "ENV=dev"], f"deploy -c env=dev {STACK_NAME_PREFIX}-dev"),
        (["diff", "ENV=prod"], f"diff -c env=prod {STACK_NAME_PREFIX}-prod"),
        (["destroy", "ENV=dev"], f"destroy -c env=dev {STACK_NAME_PREFIX}-dev"),
        (["deploy"], "deploy --all"),
    ],
)
def test_make_deploy_names_the_environments_own_stack_or_all_top_level_ones(
    arguments: list[str], expected: str
) -> None:
    dry_run = subprocess.run(
        ["make", "--dry-run", *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (command,) = [line for line in dry_run.stdout.splitlines() if "/.bin/cdk " in line]
    assert command == f"node_modules/.bin/cdk {expected}"


# --- the configured pipeline -----------------------------------------------------------


def test_env_selection_keeps_every_pipeline_stage(configured: SynthesizedPipeline) -> None:
    names = sorted(stack.stack_name for stack in configured.assembly.stacks)
    assert names == [f"{STACK_NAME_PREFIX}-dev", PIPELINE_STACK_ID]
    assert list(configured.stack.stages) == ["dev", "prod"]


def test_pipeline_stages_run_in_order(configured: SynthesizedPipeline) -> None:
    names = [name for name in configured.stages() if name != "Assets"]
    assert names == ["Source", "Build", "UpdatePipeline", "dev", "prod"]


def test_source_is_the_codestar_connection(configured: SynthesizedPipeline) -> None:
    (source,) = configured.stages()["Source"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"] == {
        "ConnectionArn": CONNECTION_ARN,
        "FullRepositoryId": REPOSITORY,
        "BranchName": "main",
    }


def test_synth_installs_tests_and_synthesizes_with_the_makefile(
    configured: SynthesizedPipeline,
) -> None:
    (synth,) = configured.stages()["Build"]
    project = configured.project(synth)
    spec = json.loads(project["Source"]["BuildSpec"])
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11", "nodejs": "22"}
    assert spec["phases"]["install"]["commands"] == ["make .stamps/python .stamps/node"]
    assert spec["phases"]["build"]["commands"] == ["make test", "make synth"]
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    assert project["Environment"]["Image"] == "aws/codebuild/standard:7.0"
    assert project["Environment"]["PrivilegedMode"] is False


JSII_RUNTIME = Path(jsii.__file__).parent / "_embedded" / "jsii" / "bin__jsii-runtime.js"
NODE_RELEASE = re.compile(r'new NodeRelease\((\d+),\{endOfLife:new Date\("([\d-]+)"\)')


def _jsii_node_end_of_life() -> dict[int, str]:
    """The end-of-life date jsii's runtime (the one installed) knows for each Node major: the
    table behind its "Node N has reached end-of-life" banner."""
    runtime = JSII_RUNTIME.read_text()
    return {int(major): date for major, date in NODE_RELEASE.findall(runtime)}


def _local_node_major() -> int:
    """The Node major of the local toolchain: the one the Makefile silences jsii's banner for."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(
        r"^export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := (\d+)$", makefile, re.M
    )
    assert match is not None
    return int(match.group(1))


def test_every_codebuild_project_runs_a_node_jsii_supports_longer_than_the_local_one(
    configured: SynthesizedPipeline,
) -> None:
    # Synth, self-mutation, asset publishing and the smoke tests all run CDK or jsii: each
    # selects the pipeline's runtimes, and its Node is one jsii does not call end-of-life
    # when it calls the local toolchain's Node (20) so
    projects = configured.template.find_resources("AWS::CodeBuild::Project").values()
    runtimes = {
        json.dumps(
            json.loads(p["Properties"]["Source"]["BuildSpec"])["phases"]["install"][
                "runtime-versions"
            ]
        )
        for p in projects
    }
    assert runtimes == {json.dumps(RUNTIME_VERSIONS)}
    end_of_life = _jsii_node_end_of_life()
    assert end_of_life[int(RUNTIME_VERSIONS["nodejs"])] > end_of_life[_local_node_major()]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_synth_commands_name_real_makefile_targets() -> None:
    targets = [
        word for command in INSTALL_COMMANDS + SYNTH_COMMANDS for word in command.split()[1:]
    ]
    dry_run = subprocess.run(
        ["make", "--dry-run", *targets], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert dry_run.returncode == 0, dry_run.stderr


def test_pipeline_updates_itself(configured: SynthesizedPipeline) -> None:
    (mutate,) = configured.stages()["UpdatePipeline"]
    assert mutate["Name"] == "SelfMutate"
    spec = json.loads(configured.project(mutate)["Source"]["BuildSpec"])
    assert any(PIPELINE_STACK_ID in command for command in spec["phases"]["build"]["commands"])


def test_dev_deploys_then_runs_the_smoke_test(configured: SynthesizedPipeline) -> None:
    actions = configured.stages()["dev"]
    deploy = _action(actions, ".Deploy")
    smoke = _action(actions, "SmokeTest")
    assert deploy["Configuration"]["StackName"] == f"{STACK_NAME_PREFIX}-dev"
    assert smoke["ActionTypeId"]["Provider"] == "CodeBuild"
    assert smoke["RunOrder"] > deploy["RunOrder"]
    assert not [action for action in actions if action["ActionTypeId"]["Provider"] == "Manual"]
    variables = {
        v["name"]: v["value"] for v in json.loads(smoke["Configuration"]["EnvironmentVariables"])
    }
    assert variables["API_URL"].endswith(".PredictUrl}")
    assert variables["SMOKE_TEST_ROLE_ARN"].endswith(".SmokeTestRoleArn}")


def test_prod_waits_for_a_manual_approval(configured: SynthesizedPipeline) -> None:
    actions = configured.stages()["prod"]
    approval = _action(actions, "Approve")
    prepare = _action(actions, ".Prepare")
    smoke = _action(actions, "SmokeTest")
    assert approval["ActionTypeId"]["Provider"] == "Manual"
    assert approval["RunOrder"] < prepare["RunOrder"] < smoke["RunOrder"]
    assert prepare["Configuration"]["StackName"] == f"{STACK_NAME_PREFIX}-prod"
    assert f":iam::{PROD_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-" in json.dumps(
        prepare["Configuration"]["RoleArn"]
    )


def test_smoke_test_posts_the_sample_payload_as_the_stage_role(
    configured: SynthesizedPipeline,
) -> None:
    project = configured.project(_action(configured.stages()["prod"], "SmokeTest"))
    spec = json.loads(project["Source"]["BuildSpec"])
    (command,) = spec["phases"]["build"]["commands"]
    assert command == (
        'python scripts/smoke_test.py --url "$API_URL" --role-arn "$SMOKE_TEST_ROLE_ARN"'
        f' --region {REGION} --payload "$SMOKE_TEST_PAYLOAD" --expect "$SMOKE_TEST_EXPECT"'
    )
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert json.loads(variables["SMOKE_TEST_PAYLOAD"]) == {"inputs": "I love this"}
    assert variables["SMOKE_TEST_EXPECT"] == "label"


def test_smoke_test_may_assume_only_the_tagged_stage_role(
    configured: SynthesizedPipeline,
) -> None:
    configured.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        f":iam::{PROD_ACCOUNT}:role/*",
                                    ],
                                ]
                            },
                            "Condition": {
                                "StringEquals": {
                                    f"iam:ResourceTag/{SMOKE_TEST_ROLE_TAG}": f"{STACK_NAME_PREFIX}-prod"
                                }
                            },
                        }
                    ]
                )
            }
        },
    )


def test_stage_role_may_only_invoke_the_api_route(configured: SynthesizedPipeline) -> None:
    # GIVEN the prod stack the pipeline deploys to the prod account
    template = Template.from_json(configured.stage_template("prod"))
    # THEN its smoke-test role trusts the pipeline's account and invokes POST /predict only
    (role,) = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "Tags": [{"Key": SMOKE_TEST_ROLE_TAG, "Value": f"{STACK_NAME_PREFIX}-prod"}]
            }
        },
    ).values()
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert f":iam::{PIPELINE_ACCOUNT}:root" in json.dumps(trust["Principal"])
    invoke = json.dumps(
        template.find_resources(
            "AWS::IAM::Policy",
            {"Properties": {"PolicyDocument": {"Statement": [{"Action": "execute-api:Invoke"}]}}},
        )
    )
    assert '"/POST/predict"]' in invoke
    assert "*" not in invoke
    assert "SmokeTestRoleArn" in template.to_json()["Outputs"]


def test_stages_deploy_to_their_accounts(configured: SynthesizedPipeline) -> None:
    dev, prod = configured.stack.stages["dev"], configured.stack.stages["prod"]
    assert (dev.account, dev.region) == (PIPELINE_ACCOUNT, REGION)
    assert (prod.account, prod.region) == (PROD_ACCOUNT, REGION)
    assert configured.stack.cross_account


def test_cross_account_stage_encrypts_artifacts_with_a_rotated_key(
    configured: SynthesizedPipeline,
) -> None:
    configured.template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    configured.template.has_resource_properties(
        "AWS::CodePipeline::Pipeline", {"ArtifactStore": {"EncryptionKey": Match.any_value()}}
    )


def test_cdk_nag_reports_nothing_unacknowledged(configured: SynthesizedPipeline) -> None:
    report = Path(configured.assembly.directory, "validation-report.json")
    assert not report.exists() or json.loads(report.read_text())["pluginReports"] == []


def test_cdk_rego_rules_left_out_inspect_none_of_the_pipelines_resource_types(
    configured: SynthesizedPipeline,
) -> None:
    types = {resource["Type"] for resource in configured.template_json["Resources"].values()}
    assert types_inspected_by(cdk_default_rego_rule_types(), types) == {}


def test_cfn_lint_finds_nothing_but_what_cdk_pipelines_generates(
    configured: SynthesizedPipeline,
) -> None:
    findings = cfn_lint_findings(configured.template_json)
    generated = [f for f in findings if any(re.match(p, f) for p in CDK_PIPELINES_FINDINGS)]
    assert [f for f in findings if f not in generated] == []
    assert len(generated) <= 1 + len(configured.stack.stages)


def test_same_account_stages_need_no_kms_key() -> None:
    config = load_config({"environments": ENVIRONMENTS, "pipeline": PIPELINE})
    assert config.pipeline is not None
    stack = PipelineStack(
        App(),
        "Pipeline",
        settings=config.pipeline,
        environments=config.pipeline_stages,
        stack_name_prefix=STACK_NAME_PREFIX,
    )
    assert not stack.cross_account
    assert stack.pipeline.pipeline.artifact_bucket.encryption_key is None


# --- configuration ---------------------------------------------------------------------


def _pipeline(pipeline: Any, **context: Any) -> PipelineSettings | None:
    return load_config({"environments": ENVIRONMENTS, "pipeline": pipeline, **context}).pipeline


def test_missing_keys_take_the_documented_defaults() -> None:
    settings = _pipeline(PIPELINE)
    assert settings == PipelineSettings(
        repository=REPOSITORY,
        connection_arn=CONNECTION_ARN,
        account=PIPELINE_ACCOUNT,
        region=REGION,
    )
    assert settings.branch == "main"
    assert settings.stages == ["dev", "prod"]
    assert settings.smoke_test_payload == {"inputs": "I love this"}
    assert settings.smoke_test_expect == "label"


@pytest.mark.parametrize("value", [None, "null"])
def test_null_pipeline_means_no_pipeline(value: Any) -> None:
    assert _pipeline(value) is None


def test_command_line_json_and_dotted_overrides() -> None:
    # `-c pipeline='{...}' -c pipeline.branch=release -c pipeline.account=...` (strings)
    settings = _pipeline(
        json.dumps({**PIPELINE, "stages": ["dev"]}),
        **{"pipeline.branch": "release", "pipeline.account": "999999999999"},
    )
    assert settings is not None
    assert (settings.branch, settings.account, settings.stages) == (
        "release",
        "999999999999",
        ["dev"],
    )


@pytest.mark.parametrize(
    "connection_arn",
    [
        "arn:aws:codeconnections:us-east-1:123456789012:connection/abc-123",
        "arn:aws-cn:codestar-connections:cn-north-1:123456789012:connection/abc-123",
    ],
)
def test_accepts_codeconnections_and_other_partitions(connection_arn: str) -> None:
    settings = _pipeline({**PIPELINE, "connection_arn": connection_arn})
    assert settings is not None and settings.connection_arn == connection_arn


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (
            {**PIPELINE, "connection_arn": "arn:aws:codecommit:eu-west-1:123456789012:repo"},
            r"pipeline\.connection_arn must be a CodeStar connection ARN \(arn:aws:codestar-connections:<region>:<account>:connection/<id>\), got 'arn:aws:codecommit:eu-west-1:123456789012:repo'",
        ),
        (
            {
                **PIPELINE,
                "connection_arn": "arn:aws:codestar-connections:eu-west-1:1234:connection/x",
            },
            r"pipeline\.connection_arn must be a CodeStar connection ARN",
        ),
        (
            {**PIPELINE, "stages": ["dev", "qa"]},
            r"pipeline\.stages\[1\] must be a configured environment: dev, prod, got 'qa'",
        ),
        (
            {**PIPELINE, "stages": ["dev", "dev"]},
            r"pipeline\.stages\[1\] must be listed once, got 'dev'",
        ),
        (
            {**PIPELINE, "stages": []},
            r"pipeline\.stages must be a non-empty list of environment names, got \[\]",
        ),
        (
            {k: v for k, v in PIPELINE.items() if k != "account"},
            r"pipeline\.account must be an AWS account id of 12 digits \(required\), got None",
        ),
        (
            {k: v for k, v in PIPELINE.items() if k != "region"},
            r"pipeline\.region must be an AWS region such as eu-west-1 \(required\), got None",
        ),
        (
            {**PIPELINE, "account": 123456789012},
            r"pipeline\.account must be a string, got 123456789012",
        ),
        (
            {**PIPELINE, "repository": "serverless-inference"},
            r"pipeline\.repository must be a repository as owner/name, got 'serverless-inference'",
        ),
        (
            {**PIPELINE, "smoke_test_payload": "I love this"},
            r"pipeline\.smoke_test_payload must be a JSON object, got 'I love this'",
        ),
        (
            {**PIPELINE, "brnach": "main"},
            r"pipeline\.brnach is not a known key; known keys: repository, connection_arn, ",
        ),
        ("yes", r"pipeline must be an object, got 'yes'"),
    ],
)
def test_fails_naming_the_key_path(pipeline: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _pipeline(pipeline)


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (
            {"enabled": False},
            r"pipeline\.stages\[1\] must be an environment with its API enabled \(the smoke test calls it; environments\.prod\.api\.enabled is false\), got 'prod'",
        ),
        (
            {"auth": "api_key"},
            r"pipeline\.stages\[1\] must be an environment whose API auth is iam or none \(the smoke test signs with SigV4; environments\.prod\.api\.auth is api_key\)",
        ),
    ],
)
def test_fails_when_a_stage_has_no_api_the_smoke_test_can_call(
    api: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_config({"environments": {"dev": {}, "prod": {"api": api}}, "pipeline": PIPELINE})


def test_fails_reporting_every_problem_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        _pipeline({"repository": "o/r", "connection_arn": "x", "stages": ["qa"]})
    message = str(raised.value)
    for key in ("connection_arn", "account", "region", "stages[0]"):
        assert f"pipeline.{key} must be" in message


def test_self_mutation_uses_the_pinned_cdk_cli(configured: SynthesizedPipeline) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    assert f"npm install -g aws-cdk@{pinned}" in json.dumps(configured.template_json)


def test_asset_publishing_installs_the_pinned_cdk_assets(configured: SynthesizedPipeline) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["cdk-assets"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert locked["node_modules/cdk-assets"]["version"] == pinned
    (assets,) = [actions for name, actions in configured.stages().items() if name == "Assets"]
    installs = {
        command
        for action in assets
        for command in json.loads(configured.project(action)["Source"]["BuildSpec"])["phases"][
            "install"
        ]["commands"]
    }
    assert installs == {f"npm install -g cdk-assets@{pinned}"}
    assert "@latest" not in json.dumps(configured.template_json)


CDK_ASSETS = ROOT / "node_modules" / ".bin" / "cdk-assets"


@pytest.mark.skipif(
    not CDK_ASSETS.exists(), reason="needs the pinned cdk-assets (make .stamps/node)"
)
def test_pinned_cdk_assets_reads_the_asset_manifests_of_the_stages(
    configured: SynthesizedPipeline,
) -> None:
    # The pipeline's Assets step runs `cdk-assets --path <manifest> publish`; `ls` reads the
    # same manifest without publishing anything
    (manifest,) = Path(configured.assembly.directory).glob(
        f"assembly-{PIPELINE_STACK_ID}-dev/*.assets.json"
    )
    listing = subprocess.run(
        [str(CDK_ASSETS), "--path", str(manifest), "ls"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
