"""What `make destroy` deletes and what it leaves, as the README's "Destroy" says: the stack's
resources go (the topic's key after 7 days), except API Gateway's account-level logging role and
setting and the API's access log group; and the log group Lambda creates for CDK's log-retention
function, which is no resource of the stack (docs/aws-behaviour.md)."""

from typing import Any

from aws_cdk.assertions import Template

from serverless_inference.endpoint import LOG_RETENTION_FUNCTION_ID
from stacks.inference_stack import InferenceStack
from tests.cdk_helpers import logical_id, resources_of_type
from tests.conftest import SynthesizedApp


def _retained(template: dict[str, Any]) -> set[str]:
    return {
        name
        for name, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    }


def test_only_api_gateways_account_setting_its_role_and_the_access_logs_stay(
    default_app: SynthesizedApp,
) -> None:
    for name, stack in default_app.stacks.items():
        assert isinstance(stack, InferenceStack)
        api = stack.inference.api
        assert api is not None
        account = api.rest_api.node.find_child("Account")
        role = api.rest_api.node.find_child("CloudWatchRole")
        expected = {logical_id(account), logical_id(role), logical_id(api.access_log_group)}
        assert _retained(default_app.template_json(name)) == expected, name


def test_the_topics_key_is_deleted_after_seven_days_and_the_endpoints_log_group_at_once(
    dev_template: Template,
) -> None:
    (key,) = resources_of_type(dev_template, "AWS::KMS::Key").values()
    assert key["DeletionPolicy"] == "Delete"
    assert key["Properties"]["PendingWindowInDays"] == 7
    (retention,) = resources_of_type(dev_template, "Custom::LogRetention").values()
    assert retention["Properties"]["RemovalPolicy"] == "destroy"


def test_only_cdks_log_retention_function_logs_to_a_group_lambda_creates(
    dev_template: Template,
) -> None:
    functions = resources_of_type(dev_template, "AWS::Lambda::Function")
    without_own_group = [
        name
        for name, function in functions.items()
        if "LoggingConfig" not in function["Properties"]
    ]
    (log_retention,) = without_own_group
    assert log_retention.startswith(LOG_RETENTION_FUNCTION_ID)
    # the trigger provider of the pre-warm, like the stack's own functions, logs to a group
    # of the stack
    (trigger_provider,) = [name for name in functions if name.startswith("AWSCDKTrigger")]
    assert "LoggingConfig" in functions[trigger_provider]["Properties"]
