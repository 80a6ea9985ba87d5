"""The CDK pipeline: source -> tests + synth -> dev -> smoke test -> approval -> prod.

Synthesized only when cdk.json (or ``-c pipeline=...``) configures ``pipeline``; see
docs/pipeline.md. Every stage deploys the same ``InferenceStack``
as ``make deploy``, with that environment's settings, then calls its API with a
SigV4-signed sample request.
"""

import json
from collections.abc import Mapping

from aws_cdk import Aws, CfnOutput, Duration, Environment, Stack, Stage, Tags, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from serverless_inference import nag
from stacks.inference_stack import InferenceStack
from stacks.paths import APP_DIRECTORY
from stacks.settings.environment import EnvironmentSettings
from stacks.settings.pipeline import PipelineSettings

BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
"""aws/codebuild/standard:7.0 (Ubuntu 22.04): its runtimes include Python 3.11 (the project's
version) and Node.js 18, 20, 22 and 24."""
RUNTIME_VERSIONS = {"python": "3.11", "nodejs": "22"}
"""Node.js 22, not 20: jsii (and so every CDK command of the pipeline) calls Node 20
end-of-life. The local toolchain may stay on Node 20 (the README's set-up)."""
INSTALL_COMMANDS = ["make .stamps/python .stamps/node"]
"""The Makefile's own set-up targets: the venv from requirements-dev.txt and ``npm ci``."""
SYNTH_COMMANDS = ["make test", "make synth"]
API_URL_VARIABLE = "API_URL"
ROLE_ARN_VARIABLE = "SMOKE_TEST_ROLE_ARN"
SMOKE_TEST_ROLE_TAG = "serverless-inference:smoke-test-role"
"""Tag of the role the smoke test assumes; its value is the stage stack's name."""
API_URL_OUTPUT_ID = "PredictUrl"
"""The ``InferenceStack`` output holding the URL of the API's route."""
SMOKE_TEST_SCRIPT = "scripts/smoke_test.py"
SMOKE_TEST_INSTALL_COMMANDS = [
    'python -m pip install --quiet "$(grep "^boto3==" requirements.txt)"'
]
SMOKE_TEST_TIMEOUT = Duration.minutes(15)
ARTIFACT_BUCKET_WILDCARD_ACTIONS = (
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:Abort*",
)


def stage_environment(pipeline: PipelineSettings, settings: EnvironmentSettings) -> Environment:
    """Where a stage deploys: the environment's ``account``/``region``, else the pipeline's."""
    placement = pipeline.stage_placement(settings)
    return Environment(account=placement.account, region=placement.region)


def _pinned(package: str) -> str:
    """The version package.json pins for an npm package (a devDependency)."""
    manifest = json.loads((APP_DIRECTORY / "package.json").read_text())
    return str(manifest["devDependencies"][package])


def pinned_cdk_cli_version() -> str:
    """The CDK CLI version package.json pins, so self-mutation uses it too."""
    return _pinned("aws-cdk")


def pinned_cdk_assets_cli_version() -> str:
    """The cdk-assets version package.json pins, so asset publishing installs it instead of
    ``cdk-assets@latest`` (a new release can break every pipeline at once)."""
    return _pinned("cdk-assets")


class InferenceStage(Stage):
    """One environment deployed by the pipeline: the app's ``InferenceStack`` in a ``Stage``.

    The stack keeps the name ``make deploy`` gives it (``<prefix>-<environment>``), so the
    pipeline takes over a stack deployed from a workstation instead of adding a second
    endpoint next to it. The pipeline adds one role to it, ``SmokeTestRole``: the pipeline
    account may assume it, and it may call nothing but the API's route, so the smoke test
    works the same in the pipeline's account and in another one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        stack_name: str,
        env: Environment,
        pipeline_account: str,
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        self.stack = InferenceStack(self, "Inference", settings=settings, stack_name=stack_name)
        self.api_url_output: CfnOutput = _api_url_output(self.stack)
        """The stack's output holding the URL the smoke test POSTs to."""
        api = self.stack.api
        assert api is not None  # the config requires an API in every pipeline stage
        self.smoke_test_role = iam.Role(
            self.stack,
            "SmokeTestRole",
            assumed_by=iam.AccountPrincipal(pipeline_account),
            description="Assumed by the CDK pipeline's smoke test to call the API's route",
        )
        Tags.of(self.smoke_test_role).add(SMOKE_TEST_ROLE_TAG, stack_name)
        self.smoke_test_role.add_to_policy(
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                resources=[
                    api.rest_api.arn_for_execute_api(
                        "POST", "/" + self.stack.predict_path, api.stage.stage_name
                    )
                ],
            )
        )
        self.smoke_test_role_output = CfnOutput(
            self.stack,
            "SmokeTestRoleArn",
            value=self.smoke_test_role.role_arn,
            description="The role the pipeline's smoke test assumes to call the API",
        )


def _api_url_output(stack: InferenceStack) -> CfnOutput:
    """The stack's output of the API route URL: ``api_url_output``, else ``PredictUrl``."""
    output = getattr(stack, "api_url_output", None)
    if output is None:
        output = stack.node.try_find_child(API_URL_OUTPUT_ID)
    if not isinstance(output, CfnOutput):
        raise TypeError(
            f"InferenceStack has no {API_URL_OUTPUT_ID} output (the API route URL) for the "
            "pipeline's smoke test"
        )
    return output


class PipelineStack(Stack):
    """A self-mutating CDK pipeline deploying ``settings.stages`` in order.

    Each stage after the first waits for a manual approval; each stage is followed by the
    smoke test. The artifact bucket gets KMS keys (``cross_account_keys``, $1/month each)
    only when a stage names another account than the pipeline's.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: PipelineSettings,
        environments: Mapping[str, EnvironmentSettings],
        stack_name_prefix: str,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=settings.account, region=settings.region),
            description="CDK pipeline of the serverless inference app (cdk-serverless-inference)",
        )
        assert settings.repository is not None and settings.connection_arn is not None
        assert settings.account is not None  # required and checked by load_config
        self.settings = settings
        stage_environments = {
            name: stage_environment(settings, environments[name]) for name in settings.stages
        }
        self.cross_account = any(
            env.account != settings.account for env in stage_environments.values()
        )
        self.source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        self.synth_step = pipelines.CodeBuildStep(
            "Synth",
            input=self.source,
            install_commands=INSTALL_COMMANDS,
            commands=SYNTH_COMMANDS,
            primary_output_directory="cdk.out",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=self.synth_step,
            self_mutation=True,
            cli_version=pinned_cdk_cli_version(),
            cdk_assets_cli_version=pinned_cdk_assets_cli_version(),
            cross_account_keys=self.cross_account,
            enable_key_rotation=self.cross_account,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=BUILD_IMAGE,
                    compute_type=codebuild.ComputeType.SMALL,
                    privileged=False,
                ),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": RUNTIME_VERSIONS}}}
                ),
            ),
        )
        self.stages: dict[str, InferenceStage] = {}
        self.smoke_tests: dict[str, pipelines.CodeBuildStep] = {}
        for index, name in enumerate(settings.stages):
            stage = InferenceStage(
                self,
                name,
                settings=environments[name],
                stack_name=f"{stack_name_prefix}-{name}",
                env=stage_environments[name],
                pipeline_account=settings.account,
            )
            smoke_test = self._smoke_test(stage)
            approval = pipelines.ManualApprovalStep(
                "Approve", comment=f"Promote to {name}: the previous stage passed its smoke test."
            )
            self.pipeline.add_stage(stage, pre=[approval] if index > 0 else [], post=[smoke_test])
            self.stages[name] = stage
            self.smoke_tests[name] = smoke_test
        self.pipeline.build_pipeline()
        self._acknowledge()

    def _smoke_test(self, stage: InferenceStage) -> pipelines.CodeBuildStep:
        """POST the sample payload to the stage's API, SigV4-signed as the stage's smoke-test
        role; a wrong answer fails the pipeline."""
        return pipelines.CodeBuildStep(
            "SmokeTest",
            input=self.source,
            env={
                "SMOKE_TEST_PAYLOAD": json.dumps(self.settings.smoke_test_payload),
                "SMOKE_TEST_EXPECT": self.settings.smoke_test_expect,
            },
            env_from_cfn_outputs={
                API_URL_VARIABLE: stage.api_url_output,
                ROLE_ARN_VARIABLE: stage.smoke_test_role_output,
            },
            install_commands=SMOKE_TEST_INSTALL_COMMANDS,
            commands=[
                f'python {SMOKE_TEST_SCRIPT} --url "${API_URL_VARIABLE}"'
                f' --role-arn "${ROLE_ARN_VARIABLE}" --region {stage.region}'
                ' --payload "$SMOKE_TEST_PAYLOAD" --expect "$SMOKE_TEST_EXPECT"'
            ],
            role_policy_statements=[
                iam.PolicyStatement(
                    actions=["sts:AssumeRole"],
                    resources=[_roles_of(stage)],
                    conditions={
                        "StringEquals": {
                            f"iam:ResourceTag/{SMOKE_TEST_ROLE_TAG}": stage.stack.stack_name
                        }
                    },
                )
            ],
            timeout=SMOKE_TEST_TIMEOUT,
        )

    def _acknowledge(self) -> None:
        """The cdk-nag findings of what CDK Pipelines generates, each with its reason.

        Acknowledged on the pipeline construct (its projects, roles and bucket), by exact
        finding id where a rule reports one per wildcard, so a new wildcard still fails.
        """
        scope = self.pipeline
        bucket = scope.pipeline.artifact_bucket
        nag.acknowledge(
            scope,
            "AwsSolutions-S1",
            "The artifact bucket holds only this pipeline's transient artifacts (source "
            "archive, cloud assembly); it is private, SSL-only and encrypted, and written only "
            "by the pipeline's roles, whose calls CloudTrail records. An access-log bucket "
            "would add cost without adding an audit trail.",
        )
        nag.acknowledge(
            scope,
            "AwsSolutions-CB4",
            "CodeBuild encrypts build output with the artifact bucket's encryption: the "
            "S3-managed key, or the pipeline's KMS key when a stage deploys to another "
            "account. A customer managed key per project would cost $1/month each.",
        )
        bucket_reason = (
            "CDK's read/write grant on the pipeline's own artifact bucket and its objects "
            "(the artifacts are the inputs and outputs of every action); nothing else."
        )
        for action in ARTIFACT_BUCKET_WILDCARD_ACTIONS:
            nag.acknowledge_wildcard_action(scope, action, bucket_reason)
        nag.acknowledge_wildcard_resource(scope, f"{bucket.bucket_arn}/*", bucket_reason)
        if bucket.encryption_key is not None:
            for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
                nag.acknowledge_wildcard_action(
                    scope, action, "CDK's grant on the artifact bucket's KMS key alone."
                )
        for project in _codebuild_projects(scope):
            name = project.project_name
            nag.acknowledge_wildcard_resource(
                project,
                f"arn:{self.partition}:logs:{self.region}:{self.account}"
                f":log-group:/aws/codebuild/{name}:*",
                "The project writes log streams of its own log group, /aws/codebuild/<project>.",
            )
            nag.acknowledge_wildcard_resource(
                project,
                f"arn:{self.partition}:codebuild:{self.region}:{self.account}"
                f":report-group/{name}-*",
                "Test report groups of this project only (named after the project).",
            )
        accounts = {self.account} | {stage.account for stage in self.stages.values()}
        for account in sorted(a for a in accounts if a is not None):
            nag.acknowledge_wildcard_resource(
                scope,
                f"arn:*:iam::{account}:role/*",
                "Self-mutation and asset publishing assume the CDK bootstrap roles of the "
                "target accounts, restricted by the condition iam:ResourceTag/"
                "aws-cdk:bootstrap-role to the deploy and publishing roles (CDK Pipelines).",
            )
        nag.acknowledge_wildcard_resource(
            scope.self_mutation_project,
            "*",
            "Self-mutation reads cloudformation:DescribeStacks and s3:ListBucket of the stacks "
            "and buckets it is about to deploy to, whose names CDK Pipelines does not know.",
        )
        assets = scope.node.try_find_child("Assets")
        if assets is not None:
            self._acknowledge_asset_roles(assets)
        for stage in self.stages.values():
            nag.acknowledge_wildcard_resource(
                scope,
                _roles_of(stage),
                "The smoke test assumes only the role tagged "
                f"{SMOKE_TEST_ROLE_TAG}={stage.stack.stack_name} (iam:ResourceTag condition), "
                "whose generated name is unknown until the stage deploys.",
            )

    def _acknowledge_asset_roles(self, assets: IConstruct) -> None:
        """The shared roles of the asset-publishing projects (one per asset kind)."""
        nag.acknowledge_wildcard_resource(
            assets,
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:/aws/codebuild/*",
            "One role serves every asset-publishing project, so it writes the log groups "
            "of CodeBuild projects (CDK Pipelines' AssetSingletonRole).",
        )
        nag.acknowledge_wildcard_resource(
            assets,
            f"arn:{self.partition}:codebuild:{self.region}:{self.account}:report-group/*",
            "One role serves every asset-publishing project, so it may report to any of "
            "their report groups (CDK Pipelines' AssetSingletonRole).",
        )
        nag.acknowledge_wildcard_resource(
            assets,
            "*",
            "codebuild:BatchGetBuilds/StartBuild/StopBuild of the asset-publishing builds, "
            "granted by CDK Pipelines' AssetSingletonRole; the role assumes only the "
            "bootstrap publishing roles.",
        )


def _codebuild_projects(scope: Construct) -> list[codebuild.Project]:
    """Every CodeBuild project under ``scope`` (synth, self-mutation, assets, smoke tests)."""
    return [node for node in scope.node.find_all() if isinstance(node, codebuild.Project)]


def _roles_of(stage: Stage) -> str:
    """Every role of the stage's account: the smoke-test role's name is generated when the
    stage deploys, after this stack; the ``iam:ResourceTag`` condition picks it out."""
    return f"arn:{Aws.PARTITION}:iam::{stage.account}:role/*"
