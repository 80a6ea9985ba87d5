"""The three-model example of docs/model-fan-out.md, synthesized exactly as written there
(``three-models``): three endpoints on one API, topic, page and dashboard, and the ticket
fan-out over them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Match, Template

from serverless_inference_runtime.fan_out import contract
from stacks.config import load_config
from stacks.inference_stack import InferenceStack
from stacks.pipeline_stack import InferenceStage
from tests.cdk_helpers import build_default_app, cdk_json_context, linted_template, logical_id
from tests.test_readme_config import EXAMPLES

MODELS = {
    "sentiment": (
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "text-classification",
    ),
    "entities": ("dslim/bert-base-NER", "token-classification"),
    "topic": ("cardiffnlp/tweet-topic-21-multi", "text-classification"),
}


@dataclass
class Synthesized:
    stack: InferenceStack
    template: Template

    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())


@pytest.fixture(scope="module")
def support() -> Synthesized:
    """The example's environment, linted; synthesizing the app runs cdk-nag (it fails on any
    finding without an acknowledgment)."""
    app, stacks = build_default_app(EXAMPLES["three-models"])
    assert list(stacks) == ["support"]
    stack = stacks["support"]
    assert isinstance(stack, InferenceStack)
    template = linted_template(stack)
    app.synth()
    return Synthesized(stack, template)


def test_each_model_runs_on_the_hugging_face_image_with_its_id_and_task(
    support: Synthesized,
) -> None:
    environments = [
        model["Properties"]["PrimaryContainer"]["Environment"]
        for model in support.template.find_resources("AWS::SageMaker::Model").values()
    ]
    assert sorted((e["HF_MODEL_ID"], e["HF_TASK"]) for e in environments) == sorted(MODELS.values())
    support.template.resource_count_is("AWS::SageMaker::Endpoint", 3)
    for concurrency in (2, 3):
        support.template.has_resource_properties(
            "AWS::SageMaker::EndpointConfig",
            {"ProductionVariants": [{"ServerlessConfig": {"MaxConcurrency": concurrency}}]},
        )


def test_one_api_has_a_route_per_model_and_the_fan_out(support: Synthesized) -> None:
    api = support.stack.api
    assert api is not None
    assert list(api.route_urls) == ["sentiment", "entities", "topic", "ticket"]
    support.template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    support.template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "POST", "Integration": {"Type": "AWS_PROXY"}},
    )
    outputs = support.json()["Outputs"]
    assert {"SentimentUrl", "EntitiesUrl", "TopicUrl", "TicketUrl", "PredictUrl"} <= set(outputs)
    assert outputs["PredictUrl"]["Value"] == outputs["SentimentUrl"]["Value"]


def test_each_route_has_a_throttle_of_its_own_endpoint(support: Synthesized) -> None:
    """API Gateway applies the stage's throttle to each method on its own ("Per-API,
    per-stage throttling limits are applied at the API method level"): each model's route is
    throttled at 2 x (rate) and 1 x (burst) its endpoint's max concurrency, the fan-out at its
    smallest member's, and the stage's default (the CORS preflights, any other method) at the
    smallest route's, not at the sum of every endpoint's."""
    (stage,) = support.template.find_resources("AWS::ApiGateway::Stage").values()
    settings = {
        (s["HttpMethod"], s["ResourcePath"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"])
        for s in stage["Properties"]["MethodSettings"]
    }
    assert settings == {
        ("*", "/*"): (4, 2),
        ("POST", "/~1sentiment"): (4, 2),
        ("POST", "/~1entities"): (4, 2),
        ("POST", "/~1topic"): (6, 3),
        ("POST", "/~1ticket"): (4, 2),
    }
    assert len(stage["Properties"]["MethodSettings"]) == len(settings)


def test_the_fan_out_asks_the_three_models_within_its_deadline(support: Synthesized) -> None:
    fan_out = support.stack.inference.fan_outs["ticket"]
    assert list(fan_out.required) == ["sentiment", "entities"]
    assert list(fan_out.optional) == ["topic"]
    variables = support.template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": contract.HANDLER}}
    )
    ((function_id, function),) = variables.items()
    assert function_id == logical_id(fan_out.function)
    assert function["Properties"]["Timeout"] == 22
    parts = function["Properties"]["Environment"]["Variables"][contract.ENV_MEMBERS]["Fn::Join"][1]
    members = json.loads("".join(p if isinstance(p, str) else "<endpoint>" for p in parts))
    assert [(m["name"], m["required"]) for m in members] == [
        ("sentiment", True),
        ("entities", True),
        ("topic", False),
    ]


def test_keep_warm_where_configured_and_one_topic_page_and_dashboard(
    support: Synthesized,
) -> None:
    keep_warms = support.stack.inference.keep_warms
    assert {name: kw is not None for name, kw in keep_warms.items()} == {
        "sentiment": True,
        "entities": True,
        "topic": False,
    }
    for resource_type in (
        "AWS::SNS::Topic",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::CloudWatch::Dashboard",
    ):
        support.template.resource_count_is(resource_type, 1)
    alarms = support.stack.alarms
    assert alarms is not None
    assert {"sentiment-model_latency", "topic-model_latency", "ticket-fan_out_duration"} <= set(
        alarms.alarms
    )
    support.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "ServerlessInference-support-ticket-fan_out_duration",
            "Threshold": 0.8 * 20_000,
            "ExtendedStatistic": "p99",
        },
    )
    support.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"AlarmName": Match.string_like_regexp("-entities-keep_warm_failed_pings$")},
    )


def test_every_models_logs_and_workers_follow_the_single_model_rules(
    support: Synthesized,
) -> None:
    resources = support.json()["Resources"]
    # each endpoint's log group: deleted with the stack or when the endpoint is replaced
    retentions = [r for r in resources.values() if r["Type"] == "Custom::LogRetention"]
    assert [r["Properties"]["RemovalPolicy"] for r in retentions] == ["destroy"] * 3
    # one grant covers every endpoint's group, old names included (no GetAtt EndpointName)
    deletes = [
        statement
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy"
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        if "logs:DeleteLogGroup" in json.dumps(statement["Action"])
    ]
    (delete,) = deletes
    assert delete["Resource"]["Fn::Join"][1][-1] == ":log-group:/aws/sagemaker/Endpoints/*"
    # one log group of the stack for the trigger provider both keep-warm pingers use
    (provider,) = [
        r["Properties"]
        for name, r in resources.items()
        if name.startswith("AWSCDKTriggerCustomResourceProvider")
        and r["Type"] == "AWS::Lambda::Function"
    ]
    (group_id,) = [name for name in resources if name.startswith("TriggerProviderLogGroup")]
    assert provider["LoggingConfig"] == {"LogGroup": {"Ref": group_id}}
    # one model server worker in every model's container
    for model in support.template.find_resources("AWS::SageMaker::Model").values():
        environment = model["Properties"]["PrimaryContainer"]["Environment"]
        assert environment["SAGEMAKER_MODEL_SERVER_WORKERS"] == "1"


def test_the_example_fits_the_default_quota_with_room_for_an_update() -> None:
    # 2 + 2 + 3 of 10, and 3 more for an update of the largest
    config = load_config({**cdk_json_context(), **EXAMPLES["three-models"]})
    assert config.serverless_concurrency_quota == 10
    assert config.quota_warnings == ()


def test_as_a_pipeline_stage_the_smoke_test_may_call_the_first_models_route() -> None:
    config = load_config({**cdk_json_context(), **EXAMPLES["three-models"]})
    stage = InferenceStage(
        App(),
        "support",
        settings=config.environments["support"],
        stack_name="ServerlessInference-support",
        env=Environment(account="111111111111", region="eu-west-1"),
        pipeline_account="111111111111",
    )
    invoke = json.dumps(
        Template.from_stack(stage.stack).find_resources(
            "AWS::IAM::Policy",
            {"Properties": {"PolicyDocument": {"Statement": [{"Action": "execute-api:Invoke"}]}}},
        )
    )
    assert '"/POST/sentiment"]' in invoke
    assert stage.stack.node.find_child("PredictUrl") is stage.api_url_output
