"""This app's stacks, and the wiring that app.py and the tests share."""

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.config import load_config
from stacks.inference_stack import InferenceStack

STACK_NAME_PREFIX = "ServerlessInference"
PIPELINE_STACK_ID = f"{STACK_NAME_PREFIX}-pipeline"


def build_app(app: App) -> dict[str, InferenceStack]:
    """Add one stack per configured environment to ``app``, checked by cdk-nag.

    A stack is region-agnostic (deployable to the account and region of the CLI's
    credentials) unless its environment in cdk.json names an account and region, so
    ``cdk synth`` makes the same templates on every machine, with or without credentials.
    When cdk.json configures ``pipeline``, the app also gets the ``PIPELINE_STACK_ID``
    stack (``app.node.find_child(PIPELINE_STACK_ID)``) deploying ``pipeline.stages``.
    """
    config = load_config(app.node.get_all_context())
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
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
