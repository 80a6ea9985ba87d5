"""This app's stacks, and the wiring that app.py and the tests share."""

from functools import cache

from aws_cdk import App, CloudFormationValidatePlugin, Environment, Validations

from stacks.config import load_config
from stacks.inference_stack import InferenceStack

STACK_NAME_PREFIX = "ServerlessInference"
PIPELINE_STACK_ID = f"{STACK_NAME_PREFIX}-pipeline"


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
    When cdk.json configures ``pipeline``, the app also gets the ``PIPELINE_STACK_ID``
    stack (``app.node.find_child(PIPELINE_STACK_ID)``) deploying ``pipeline.stages``.

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
    if config.pipeline is not None:
        # Imported here: CDK Pipelines is loaded only by the apps that configure a pipeline.
        from stacks.pipeline_stack import PipelineStack

        # Every stage of the pipeline, whichever environment `-c env=...` selected above.
        PipelineStack(
            app,
            PIPELINE_STACK_ID,
            settings=config.pipeline,
            environments=config.pipeline_stages,
            stack_name_prefix=STACK_NAME_PREFIX,
        )
    return stacks
