"""Accounts and regions of the environments in cdk.json, and of the pipeline."""

import re

import pytest
from aws_cdk.assertions import Template
from aws_cdk.region_info import RegionInfo

from serverless_inference.registries import hugging_face_registry_regions
from stacks.config import ConfigurationError
from stacks.placement import Placement, known_regions
from tests.cdk_helpers import build_default_app
from tests.support.config import (
    ACCOUNT_A,
    ACCOUNT_B,
    PIPELINE,
    load_environments,
    problems_of,
)


@pytest.mark.parametrize("account", ["1234", "12345678901a", "1234567890123", " 123456789012"])
def test_fails_when_an_account_is_not_twelve_digits(account: str) -> None:
    with pytest.raises(
        ConfigurationError,
        match=rf"environments\.dev\.account must be an AWS account id of 12 digits, got {re.escape(repr(account))}",
    ):
        load_environments({"dev": {"account": account}})


@pytest.mark.parametrize(
    ("region", "allowed"),
    [
        ("us-esat-1", "one of the 46 in aws-cdk-lib's region facts; did you mean us-east-1?"),
        ("eu-west-10", "one of the 46 in aws-cdk-lib's region facts; did you mean eu-west-1?"),
        ("EU-WEST-1", "one of the 46 in aws-cdk-lib's region facts, lowercase like eu-west-1"),
        ("mars-north-1", "one of the 46 in aws-cdk-lib's region facts"),
    ],
)
def test_fails_when_a_region_is_unknown(region: str, allowed: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": {"region": region}})
    assert problems_of(raised) == [
        f"environments.dev.region must be a known AWS region ({allowed}), got {region!r}"
    ]


def test_every_region_aws_cdk_lib_knows_is_accepted() -> None:
    regions = [region.name for region in RegionInfo.regions]
    assert sorted(regions) == list(known_regions())
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1"} <= set(
        regions
    )
    # those without a known registry of the app's image, with the registry named
    registry = {"registry_account": ACCOUNT_B}
    environments = {
        f"e{index}": {
            "account": ACCOUNT_A,
            "region": region,
            "endpoint": {
                "max_concurrency": 2,
                **({} if region in hugging_face_registry_regions() else registry),
            },
        }
        for index, region in enumerate(regions)
    }
    assert len(load_environments(environments).environments) == len(regions)


IMAGE_REGION_ALLOWED = (
    "a region where the registry of AWS's Hugging Face inference images, which the app runs, "
    "is known (the 33 regions of serverless_inference.registries), or else set "
    "environments.dev.endpoint.registry_account to that registry's account in mx-central-1"
)


def test_fails_when_the_region_has_no_known_registry_of_the_image() -> None:
    # GIVEN a region aws-cdk-lib knows where the library's table has no Hugging Face registry
    assert "mx-central-1" in known_regions()
    assert "mx-central-1" not in hugging_face_registry_regions()
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": {"account": ACCOUNT_A, "region": "mx-central-1"}})
    # THEN the loader refuses it, naming the key that lifts the restriction
    assert problems_of(raised) == [
        f"environments.dev.region must be {IMAGE_REGION_ALLOWED}, got 'mx-central-1'"
    ]


def test_a_registry_account_admits_a_region_without_a_known_registry() -> None:
    # WHEN the environment names the image's registry there
    _, stacks = build_default_app(
        {
            "env": "dev",
            "environments.dev.account": ACCOUNT_A,
            "environments.dev.region": "mx-central-1",
            "environments.dev.endpoint.registry_account": ACCOUNT_B,
        }
    )
    # THEN the model's image comes from that account's registry in that region
    (model,) = Template.from_stack(stacks["dev"]).find_resources("AWS::SageMaker::Model").values()
    image = model["Properties"]["PrimaryContainer"]["Image"]
    assert image == {
        "Fn::Join": [
            "",
            [
                f"{ACCOUNT_B}.dkr.ecr.mx-central-1.",
                {"Ref": "AWS::URLSuffix"},
                "/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
            ],
        ]
    }


def test_fails_when_a_stage_deploys_to_a_pipeline_region_without_a_known_registry() -> None:
    # GIVEN dev, a stage without a region of its own, in a pipeline in mx-central-1
    pipeline = {**PIPELINE, "region": "mx-central-1", "stages": ["dev"]}
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": {}}, pipeline=pipeline)
    # THEN the pipeline's region is named, with the stage's key that would admit it
    assert problems_of(raised) == [
        f"pipeline.region must be {IMAGE_REGION_ALLOWED}, got 'mx-central-1'"
    ]


def test_a_mistyped_region_fails_before_any_construct_is_built() -> None:
    # Before: synthesis ended in jsii's RegionFactNotFound traceback; now the loader says why
    with pytest.raises(ConfigurationError, match=r"environments\.dev\.region must be a known"):
        build_default_app(
            {"environments.dev.account": ACCOUNT_A, "environments.dev.region": "us-esat-1"}
        )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "account",
            "1234",
            r"pipeline\.account must be an AWS account id of 12 digits, got '1234'",
        ),
        (
            "region",
            "eu-wset-1",
            r"pipeline\.region must be a known AWS region \(.*did you mean eu-west-1\?\), got 'eu-wset-1'",
        ),
    ],
)
def test_fails_when_the_pipeline_account_or_region_is_wrong(
    key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_environments({"dev": {}, "prod": {}}, pipeline={**PIPELINE, key: value})


def test_placement_describes_what_the_cli_decides() -> None:
    assert Placement(None, None).describe() == "region-agnostic, the CLI's account and region"
    assert Placement(ACCOUNT_A, None).describe() == f"account {ACCOUNT_A}, the CLI's region"
    assert Placement(ACCOUNT_A, "eu-west-1").holds(ACCOUNT_A, "eu-west-1")
    assert not Placement(ACCOUNT_A, "eu-west-1").holds(ACCOUNT_B, "eu-west-1")
    assert Placement(None, "eu-west-1").holds(ACCOUNT_B, "eu-west-1")
    assert not Placement(ACCOUNT_A, None).holds(None, "eu-west-1")
