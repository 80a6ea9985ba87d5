"""This app's stacks, and the wiring that app.py and the tests share."""

from functools import cache

from aws_cdk import Annotations, App, CloudFormationValidatePlugin, Environment, Stack, Validations

from stacks.config import STACK_NAME_PREFIX as STACK_NAME_PREFIX
from stacks.config import AppConfig, load_config
from stacks.inference_stack import InferenceStack

PIPELINE_STACK_ID = f"{STACK_NAME_PREFIX}-pipeline"
QUOTA_WARNING_ID = "serverless-inference:concurrencyQuotaHeadroom"


@cache
def _template_validation() -> CloudFormationValidatePlugin:
    """CDK's CloudFormation Validate without CDK's Rego rules: one engine per process, as
    CDK's own default instance is (starting one takes about a second)."""
    return CloudFormationValidatePlugin(include_default_rules=False)


def build_app(app: App) -> dict[str, InferenceStack]:
    """Add one stack per configured environment to ``app``.

    A stack is region-agnostic (deployable to the account and region of the CLI's
    credentials) unless its environment in cdk.json names an account and region, so
    ``cdk synth`` makes the same templates on every machine, with or without credentials.
    When cdk.json configures ``pipeline``, the app gets the ``PIPELINE_STACK_ID`` stack
    (``app.node.find_child(PIPELINE_STACK_ID)``) deploying ``pipeline.stages``, and the
    environments get no stack of their own unless ``-c env=<name>`` selects one: the
    pipeline's stages deploy stacks of the same names, which ``cdk deploy --all`` would
    otherwise replace with templates of their own. Configurations that leave too little
    of the serverless concurrency quota to update an endpoint are warned about on the
    stacks that deploy them.

    Synthesis fails on any error from CDK's built-in CloudFormation Validate (the template
    schema and lint rules; cdk.json turns its errors into failures). CDK's own Rego rules
    are left out of that plugin: the ones aws-cdk-lib ships only inspect resource types these
    stacks never contain (a test keeps it so), and compiling them is a third of that engine's
    start-up. With ``cdk_nag`` configured, synthesis also fails on any cdk-nag AwsSolutions
    finding without an acknowledgment.
    """
    config = load_config(app.node.get_all_context())
    Validations.of(app).add_plugins(_template_validation())
    if config.cdk_nag:
        # Imported here: cdk-nag's assembly is loaded only by the apps that run it.
        from cdk_nag import AwsSolutionsChecks

        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stacks = {
        name: InferenceStack(
            app,
            f"{STACK_NAME_PREFIX}-{name}",
            settings=settings,
            env=Environment(account=settings.account, region=settings.region),
        )
        for name, settings in config.environments.items()
    }
    deploying: dict[str, list[Stack]] = {name: [stack] for name, stack in stacks.items()}
    if config.pipeline is not None:
        # Imported here: CDK Pipelines is loaded only by the apps that configure a pipeline.
        from stacks.pipeline_stack import PipelineStack

        # Every stage of the pipeline, whichever environment `-c env=...` selected above.
        pipeline = PipelineStack(
            app,
            PIPELINE_STACK_ID,
            settings=config.pipeline,
            environments=config.pipeline_stages,
            stack_name_prefix=STACK_NAME_PREFIX,
        )
        for name in config.pipeline_stages:
            deploying.setdefault(name, []).append(pipeline)
    _warn_about_quota(config, deploying)
    return stacks


def _warn_about_quota(config: AppConfig, deploying: dict[str, list[Stack]]) -> None:
    """Each quota warning, once on each stack that deploys one of its environments."""
    for warning in config.quota_warnings:
        targets = {id(s): s for name in warning.environments for s in deploying.get(name, [])}
        for stack in targets.values():
            Annotations.of(stack).add_warning_v2(QUOTA_WARNING_ID, warning.message)
