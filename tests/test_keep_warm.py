"""KeepWarm: schedule, function, least-privilege roles, pre-warm, metrics and validation."""

import json
import re
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack, TimeZone, Validations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import ContainerImage, KeepWarm, ServerlessEndpoint, functions
from serverless_inference.schedules import EXPRESSION_FORMS as SCHEDULE_FORMS
from serverless_inference_runtime.keep_warm import handler as keep_warm_handler
from serverless_inference_runtime.keep_warm.contract import HANDLER
from tests.cdk_helpers import linted_template, logical_id, new_stack, resources_of_type
from tests.support.runtime_asset import import_handler_from_asset

IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-model:1.0"


def _endpoint(stack: Stack, **props: Any) -> ServerlessEndpoint:
    props.setdefault("image", ContainerImage.from_ecr_uri(IMAGE_URI))
    return ServerlessEndpoint(stack, "Endpoint", **props)


class Built:
    """A KeepWarm, its endpoint and the linted template of their stack."""

    def __init__(self, keep_warm: KeepWarm, template: Template) -> None:
        self.keep_warm = keep_warm
        endpoint = keep_warm.endpoint
        assert isinstance(endpoint, ServerlessEndpoint)
        self.endpoint = endpoint
        self.template = template
        self.stack = Stack.of(keep_warm)

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)

    def function(self) -> dict[str, Any]:
        functions = resources_of_type(self.template, "AWS::Lambda::Function")
        function: dict[str, Any] = functions[logical_id(self.keep_warm.function)]
        return function


@pytest.fixture(scope="module")
def defaults() -> Built:
    """KeepWarm with every default, in an app checked by cdk-nag."""
    app = App()
    stack = Stack(app, "KeepWarmDefaults")
    endpoint = _endpoint(stack)
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=endpoint)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on unacknowledged cdk-nag findings
    return Built(keep_warm, linted_template(stack))


@pytest.fixture(scope="module")
def windowed() -> Built:
    """Three pings every 10 minutes on weekdays 07:00-20:00 in Berlin, no pre-warm."""
    stack = new_stack()
    endpoint = _endpoint(stack, max_concurrency=10)
    keep_warm = KeepWarm(
        stack,
        "KeepWarm",
        endpoint=endpoint,
        concurrency=3,
        rate_minutes=10,
        active_hours=(7, 20),
        active_days="MON-FRI",
        time_zone="Europe/Berlin",
        payload="I love this",
        content_type="text/csv",
        pre_warm_on_deploy=False,
        ping_timeout=Duration.minutes(3),
        cold_start_threshold=Duration.millis(1500),
        log_retention=logs.RetentionDays.TWO_WEEKS,
    )
    return Built(keep_warm, linted_template(stack))


@pytest.fixture(scope="module")
def disabled() -> Built:
    stack = new_stack()
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=_endpoint(stack), enabled=False)
    return Built(keep_warm, linted_template(stack))


# --- schedule ----------------------------------------------------------------------------


def test_default_schedule_is_every_5_minutes_in_utc_without_retries(defaults: Built) -> None:
    defaults.template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(5 minutes)",
            "ScheduleExpressionTimezone": "Etc/UTC",
            "State": "ENABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": {"Fn::GetAtt": [logical_id(defaults.keep_warm.function), "Arn"]},
                "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
                "RoleArn": {
                    "Fn::GetAtt": [Match.string_like_regexp("^KeepWarmSchedulerRole"), "Arn"]
                },
            },
        },
    )


def test_active_window_becomes_a_cron_in_its_time_zone(windowed: Built) -> None:
    windowed.template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(0/10 7-19 ? * MON-FRI *)",
            "ScheduleExpressionTimezone": "Europe/Berlin",
            "State": "ENABLED",
        },
    )


@pytest.mark.parametrize(
    ("props", "expression"),
    [
        ({"rate_minutes": 1}, "rate(1 minute)"),
        ({"rate_minutes": 60}, "rate(1 hour)"),
        ({"rate_minutes": 1, "active_days": "SAT,SUN"}, "cron(* * ? * SAT,SUN *)"),
        ({"rate_minutes": 60, "active_hours": (0, 24)}, "cron(0 0-23 * * ? *)"),
        ({"active_hours": (8, 9)}, "cron(0/5 8 * * ? *)"),
    ],
)
def test_schedule_expression_from_props(props: dict[str, Any], expression: str) -> None:
    stack = new_stack()
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=_endpoint(stack), **props)
    assert keep_warm.schedule_expression.expression_string == expression


def test_raw_schedule_expression_is_used_as_given() -> None:
    stack = new_stack()
    expression = scheduler.ScheduleExpression.cron(
        minute="*/2", hour="6-22", time_zone=TimeZone.of("America/New_York")
    )
    KeepWarm(stack, "KeepWarm", endpoint=_endpoint(stack), schedule=expression)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(*/2 6-22 * * ? *)",
            "ScheduleExpressionTimezone": "America/New_York",
        },
    )


def test_disabled_keeps_the_resources_but_never_runs(disabled: Built) -> None:
    disabled.template.has_resource_properties("AWS::Scheduler::Schedule", {"State": "DISABLED"})
    assert resources_of_type(disabled.template, "Custom::Trigger") == {}
    assert disabled.keep_warm.pre_warm is None


# --- function ----------------------------------------------------------------------------


def test_function_is_small_bounded_and_never_piles_up(defaults: Built) -> None:
    function = defaults.function()["Properties"]
    assert function["Runtime"] == functions.RUNTIME.name == "python3.14"
    assert (
        function["Handler"] == HANDLER == "serverless_inference_runtime.keep_warm.handler.handler"
    )
    assert function["MemorySize"] == 128
    assert function["Timeout"] == 120  # 90 s ping timeout + 30 s
    assert function["LoggingConfig"] == {
        "LogGroup": {"Ref": logical_id(defaults.keep_warm.log_group)}
    }


def test_function_reserves_no_concurrency_by_default(defaults: Built) -> None:
    # Lambda refuses any reservation that takes the account's unreserved concurrency below its
    # minimum: in new accounts with a low limit, a reservation of 1 fails the deploy.
    assert "ReservedConcurrentExecutions" not in defaults.function()["Properties"]


@pytest.mark.parametrize("reserved", [1, 3])
def test_reserved_concurrency_is_opt_in(reserved: int) -> None:
    stack = new_stack()
    keep_warm = KeepWarm(
        stack,
        "KeepWarm",
        endpoint=_endpoint(stack),
        reserved_concurrency=reserved,
        pre_warm_on_deploy=False,
    )
    template = linted_template(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": HANDLER, "ReservedConcurrentExecutions": reserved},
    )
    assert logical_id(keep_warm.function) in resources_of_type(template, "AWS::Lambda::Function")


def test_function_environment_carries_the_settings(defaults: Built, windowed: Built) -> None:
    assert defaults.function()["Properties"]["Environment"]["Variables"] == {
        "ENDPOINT_NAME": {"Fn::GetAtt": [logical_id(defaults.endpoint.endpoint), "EndpointName"]},
        "PING_CONCURRENCY": "1",
        "PING_PAYLOAD": '{"inputs": "keep warm"}',
        "PING_CONTENT_TYPE": "application/json",
        "PING_TIMEOUT_SECONDS": "90",
        "CONNECT_TIMEOUT_SECONDS": "3",
        "COLD_START_THRESHOLD_MS": "1000",
        "METRIC_NAMESPACE": "ServerlessInference/KeepWarm",
    }
    variables = windowed.function()["Properties"]["Environment"]["Variables"]
    assert variables["PING_CONCURRENCY"] == "3"
    assert variables["PING_PAYLOAD"] == "I love this"
    assert variables["PING_CONTENT_TYPE"] == "text/csv"
    assert variables["PING_TIMEOUT_SECONDS"] == "180"
    assert variables["COLD_START_THRESHOLD_MS"] == "1500"
    assert windowed.function()["Properties"]["Timeout"] == 210


def test_asynchronous_invocations_are_never_retried(defaults: Built) -> None:
    configs = resources_of_type(defaults.template, "AWS::Lambda::EventInvokeConfig").values()
    qualifiers = set()
    for config in configs:
        assert config["Properties"]["MaximumRetryAttempts"] == 0
        assert config["Properties"]["MaximumEventAgeInSeconds"] == 60
        qualifiers.add(json.dumps(config["Properties"]["Qualifier"]))
    # $LATEST (the schedule) and the version the pre-warm trigger invokes
    assert len(qualifiers) == 2


def test_log_group_has_retention(defaults: Built, windowed: Built) -> None:
    defaults.template.has_resource(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Delete"}
    )
    windowed.template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14})


def test_function_role_may_only_log_and_invoke_the_endpoint(defaults: Built) -> None:
    role_id = logical_id(defaults.keep_warm.role)
    role = resources_of_type(defaults.template, "AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    statements = [
        statement
        for policy in resources_of_type(defaults.template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(defaults.keep_warm.log_group), "Arn"]},
        },
        {
            "Action": "sagemaker:InvokeEndpoint",
            "Effect": "Allow",
            "Resource": {"Ref": logical_id(defaults.endpoint.endpoint)},
        },
    ]


def test_scheduler_role_may_only_invoke_the_function(defaults: Built) -> None:
    roles = resources_of_type(defaults.template, "AWS::IAM::Role")
    (role_id,) = [key for key in roles if key.startswith("KeepWarmSchedulerRole")]
    trust = roles[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (policy,) = [
        p
        for p in resources_of_type(defaults.template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    function_arn = {"Fn::GetAtt": [logical_id(defaults.keep_warm.function), "Arn"]}
    assert statement["Resource"] == [function_arn, {"Fn::Join": ["", [function_arn, ":*"]]}]


# --- pre-warm after deploy ---------------------------------------------------------------


def test_pre_warm_runs_after_the_endpoint_and_again_for_each_new_config(defaults: Built) -> None:
    (trigger,) = resources_of_type(defaults.template, "Custom::Trigger").values()
    assert trigger["Properties"]["InvocationType"] == "Event"  # never blocks or fails a deploy
    assert trigger["Properties"]["HandlerArn"] == defaults.resolve(
        defaults.keep_warm.function.current_version.function_arn
    )
    assert trigger["Properties"]["EndpointConfigName"] == {
        "Fn::GetAtt": [logical_id(defaults.endpoint.endpoint_config), "EndpointConfigName"]
    }
    assert logical_id(defaults.endpoint.endpoint) in trigger["DependsOn"]


def test_pre_warm_waits_for_the_no_retry_config_of_the_version_it_invokes(
    defaults: Built,
) -> None:
    # Without it, CloudFormation may run the trigger before the version's event-invoke config
    # exists, and that first asynchronous call gets Lambda's default two retries.
    (trigger,) = resources_of_type(defaults.template, "Custom::Trigger").values()
    configs = resources_of_type(defaults.template, "AWS::Lambda::EventInvokeConfig")
    invoked = [
        config_id
        for config_id, config in configs.items()
        if config["Properties"]["FunctionName"] == {"Ref": logical_id(defaults.keep_warm.function)}
        and config["Properties"]["Qualifier"]
        == defaults.resolve(defaults.keep_warm.function.current_version.version)
    ]
    assert len(invoked) == 1
    assert configs[invoked[0]]["Properties"]["MaximumRetryAttempts"] == 0
    assert sorted(trigger["DependsOn"]) == sorted(
        [logical_id(defaults.endpoint.endpoint), invoked[0]]
    )


def test_no_pre_warm_when_not_asked(windowed: Built) -> None:
    assert resources_of_type(windowed.template, "Custom::Trigger") == {}
    assert not any(
        "LoggingConfig" in function["Properties"]
        for function in resources_of_type(windowed.template, "AWS::Lambda::Function").values()
        if function["Properties"]["Runtime"].startswith("nodejs")
    )


def _trigger_provider_handlers(template: Template) -> dict[str, Any]:
    """CDK's trigger provider function(s): those the pre-warm triggers call."""
    functions = resources_of_type(template, "AWS::Lambda::Function")
    return {
        trigger["Properties"]["ServiceToken"]["Fn::GetAtt"][0]: functions[
            trigger["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
        ]
        for trigger in resources_of_type(template, "Custom::Trigger").values()
    }


def test_the_trigger_provider_logs_to_a_group_the_stack_deletes() -> None:
    # Lambda would create /aws/lambda/<generated name> on the first run, outside the stack,
    # kept forever and after `cdk destroy`
    stack = new_stack()
    endpoint = _endpoint(stack)
    retention = logs.RetentionDays.TWO_WEEKS
    for construct_id in ("KeepWarm", "SecondKeepWarm"):  # one provider, one group per stack
        KeepWarm(stack, construct_id, endpoint=endpoint, log_retention=retention)
    template = linted_template(stack)
    (handler,) = _trigger_provider_handlers(template).values()
    group_id = handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    group = resources_of_type(template, "AWS::Logs::LogGroup")[group_id]
    assert group["Properties"] == {"RetentionInDays": 14}
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Delete", "Delete")


# --- the handler in the asset ------------------------------------------------------------


def test_the_handler_string_imports_from_the_asset_alone(tmp_path: Path) -> None:
    # GIVEN an app synthesized with asset metadata
    app = App(outdir=str(tmp_path), context={"aws:cdk:enable-asset-metadata": True})
    stack = Stack(app, "Asset")
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=_endpoint(stack))
    assembly = app.synth()
    template = json.loads(Path(assembly.directory, "Asset.template.json").read_text())
    function = template["Resources"][logical_id(keep_warm.function)]
    asset_dir = Path(assembly.directory, function["Metadata"]["aws:asset:path"])
    # THEN the asset is the runtime package and nothing else, without caches
    assert sorted(p.name for p in asset_dir.iterdir()) == ["serverless_inference_runtime"]
    files = {p.relative_to(asset_dir).as_posix() for p in asset_dir.rglob("*") if p.is_file()}
    assert "serverless_inference_runtime/keep_warm/handler.py" in files
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in files)
    # AND Lambda's import of the handler string finds the function there
    loaded = import_handler_from_asset(sys.executable, asset_dir, sysconfig.get_paths()["purelib"])
    assert "serverless_inference_runtime.keep_warm.contract" in loaded


def test_metric_helpers_match_what_the_handler_publishes(defaults: Built) -> None:
    # GIVEN the handler configured exactly as the deployed function
    handler = keep_warm_handler
    variables = dict(defaults.function()["Properties"]["Environment"]["Variables"])
    variables["ENDPOINT_NAME"] = "my-endpoint"
    settings = handler.load_settings(variables)
    pings = [handler.Ping(0, "ok", 1500.0), handler.Ping(1, "throttled", 3.0, "Throttling")]
    # WHEN it writes a run's embedded metrics
    (record,) = handler.run_documents(settings, pings, 1600.0)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    published = {metric["Name"] for metric in directive["Metrics"]}
    # THEN every metric helper names a published metric in the same namespace and dimension
    keep_warm = defaults.keep_warm
    helpers = [
        keep_warm.metric_pings_sent(),
        keep_warm.metric_failed_pings(),
        keep_warm.metric_ping_latency(),
        keep_warm.metric_suspected_cold_starts(),
    ]
    assert {metric.metric_name for metric in helpers} == published
    for metric in helpers:
        assert metric.dimensions is not None
        assert metric.namespace == directive["Namespace"]
        assert [list(metric.dimensions)] == directive["Dimensions"]
        assert defaults.resolve(metric.dimensions["EndpointName"]) == variables_token(defaults)
        assert record[metric.metric_name] is not None


def variables_token(built: Built) -> Any:
    return {"Fn::GetAtt": [logical_id(built.endpoint.endpoint), "EndpointName"]}


def test_metric_defaults_and_caller_options(defaults: Built) -> None:
    keep_warm = defaults.keep_warm
    assert keep_warm.metric_pings_sent().statistic == "Sum"
    assert keep_warm.metric_ping_latency().statistic == "Average"
    assert keep_warm.metric_failed_pings().period.to_minutes() == 5
    custom = keep_warm.metric_suspected_cold_starts(period=Duration.hours(1), statistic="Maximum")
    assert custom.period.to_minutes() == 60 and custom.statistic == "Maximum"
    errors = keep_warm.metric_errors()
    assert errors.namespace == "AWS/Lambda" and errors.metric_name == "Errors"
    assert errors.statistic == "Sum"
    assert errors.dimensions is not None
    assert defaults.resolve(errors.dimensions["FunctionName"]) == {
        "Ref": logical_id(keep_warm.function)
    }


# --- provisioned concurrency warning -----------------------------------------------------


def test_warns_when_provisioned_concurrency_already_covers_the_pings() -> None:
    stack = new_stack()
    endpoint = _endpoint(stack, provisioned_concurrency=2)
    KeepWarm(stack, "KeepWarm", endpoint=endpoint, concurrency=2, pre_warm_on_deploy=False)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/KeepWarm",
        Match.string_like_regexp(r"provisioned concurrency \(2\) already keeps at least 2"),
    )


def test_no_warning_when_pings_exceed_provisioned_concurrency() -> None:
    stack = new_stack()
    endpoint = _endpoint(stack, provisioned_concurrency=1)
    KeepWarm(stack, "KeepWarm", endpoint=endpoint, concurrency=2, pre_warm_on_deploy=False)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"concurrency": 0}, "concurrency must be a whole number from 1 to 5, got 0"),
        ({"concurrency": 6}, "concurrency must be a whole number from 1 to 5, got 6"),
        ({"concurrency": True}, "concurrency must be a whole number from 1 to 5, got True"),
        ({"rate_minutes": 0}, "rate_minutes must be a whole number from 1 to 1440, got 0"),
        ({"rate_minutes": 1441}, "rate_minutes must be a whole number from 1 to 1440, got 1441"),
        (
            {"rate_minutes": 61, "active_days": "MON-FRI"},
            "rate_minutes must be a whole number from 1 to 60, got 61",
        ),
        ({"active_hours": (20, 7)}, "active_hours must be (start, end) whole hours"),
        ({"active_hours": (7, 7)}, "active_hours must be (start, end) whole hours"),
        ({"active_hours": (0, 25)}, "active_hours must be (start, end) whole hours"),
        ({"active_hours": (-1, 5)}, "active_hours must be (start, end) whole hours"),
        ({"active_hours": (7,)}, "active_hours must be (start, end) whole hours"),
        ({"active_days": "WEEKDAYS"}, "active_days must be days of the week"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone must be an IANA time zone name"),
        ({"payload": ""}, "payload must be a non-empty string"),
        ({"payload": "x" * 3073}, "payload must be at most 3072 bytes"),
        ({"content_type": "json"}, "content_type must be a media type"),
        ({"ping_timeout": Duration.millis(500)}, "ping_timeout must be from 1 to 840 seconds"),
        ({"ping_timeout": Duration.minutes(15)}, "ping_timeout must be from 1 to 840 seconds"),
        ({"cold_start_threshold": Duration.millis(0)}, "cold_start_threshold must be at least"),
        ({"metric_namespace": "AWS/Lambda"}, "metric_namespace must be a custom CloudWatch"),
        (
            {"reserved_concurrency": 0},
            "reserved_concurrency must be a whole number of at least 1 (0 would stop every run), "
            "or None for no reservation, got 0",
        ),
        ({"reserved_concurrency": -1}, "reserved_concurrency must be a whole number of at least 1"),
        (
            {"reserved_concurrency": 1.5},
            "reserved_concurrency must be a whole number of at least 1",
        ),
        (
            {"reserved_concurrency": True},
            "reserved_concurrency must be a whole number of at least 1",
        ),
        (
            {"schedule": scheduler.ScheduleExpression.expression("rate(30 seconds)")},
            f"schedule must be {SCHEDULE_FORMS}, got 'rate(30 seconds)'",
        ),
        (
            {"schedule": scheduler.ScheduleExpression.expression("rate(0 minutes)")},
            f"schedule must be {SCHEDULE_FORMS}, got 'rate(0 minutes)'",
        ),
        (
            {"schedule": scheduler.ScheduleExpression.expression("cron(0 7 * * ?)")},
            f"schedule must be {SCHEDULE_FORMS}, got 'cron(0 7 * * ?)'",
        ),
        (
            {"pre_warm": False},
            "pre_warm is not a known prop; known props: concurrency, schedule, rate_minutes",
        ),
        (
            {
                "schedule": scheduler.ScheduleExpression.rate(Duration.minutes(5)),
                "rate_minutes": 10,
            },
            "rate_minutes must be left unset when schedule is given",
        ),
    ],
)
def test_fails_when_a_prop_is_invalid(props: dict[str, Any], message: str) -> None:
    stack = new_stack()
    endpoint = _endpoint(stack, max_concurrency=5)
    with pytest.raises(ValueError, match=re.escape(message)):
        KeepWarm(stack, "KeepWarm", endpoint=endpoint, **props)


def test_fails_listing_every_problem_at_once() -> None:
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        KeepWarm(
            stack,
            "KeepWarm",
            endpoint=_endpoint(stack),
            concurrency=0,
            rate_minutes=0,
            time_zone="Nowhere",
        )
    message = str(raised.value)
    assert message.startswith("Invalid KeepWarm props:")
    for name in ("concurrency", "rate_minutes", "time_zone"):
        assert f"  - {name} must be" in message


def test_concurrency_may_reach_the_endpoint_max_concurrency() -> None:
    stack = new_stack()
    endpoint = _endpoint(stack, max_concurrency=200)
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=endpoint, concurrency=200)
    assert keep_warm.concurrency == 200
