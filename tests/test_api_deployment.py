"""InferenceApi after an update: the stage moves to a new deployment when a route's endpoint
is replaced, and keeps its deployment otherwise.

API Gateway serves a stage from one immutable ``AWS::ApiGateway::Deployment``; CloudFormation
creates a new one only under a new logical ID. Each test synthesizes two versions of an app
and compares the deployment the stage points to, never a hard-coded generated ID.
"""

from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, InferenceApi, ServerlessEndpoint


def stage_deployment(
    *,
    endpoint_id: str = "Endpoint",
    other_endpoint_id: str | None = None,
    credentials_role_id: str | None = None,
    **endpoint_props: Any,
) -> str:
    """The logical ID of the deployment the stage serves, for one version of an app: an API
    in front of an endpoint, and a second route when ``other_endpoint_id`` is given; the
    credentials role under the logical ID ``credentials_role_id`` when given."""
    stack = Stack(App(), "TestStack")
    image = ContainerImage.hugging_face_inference()
    endpoint = ServerlessEndpoint(stack, endpoint_id, image=image, **endpoint_props)
    api = InferenceApi(stack, "Api", endpoint=endpoint)
    if credentials_role_id is not None:
        role = api.role.node.default_child
        assert isinstance(role, iam.CfnRole)
        role.override_logical_id(credentials_role_id)
    if other_endpoint_id is not None:
        api.add_endpoint("models/other", ServerlessEndpoint(stack, other_endpoint_id, image=image))
    template = Template.from_stack(stack)
    (deployment_id,) = template.find_resources("AWS::ApiGateway::Deployment")
    (stage,) = template.find_resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["DeploymentId"] == {"Ref": deployment_id}
    return deployment_id


def test_an_unchanged_app_keeps_its_deployment() -> None:
    assert stage_deployment() == stage_deployment()
    assert stage_deployment(other_endpoint_id="Other") == stage_deployment(
        other_endpoint_id="Other"
    )


def test_setting_the_endpoint_name_deploys_the_stage_again() -> None:
    """A new ``EndpointName`` replaces the endpoint, yet the integration URI is the same
    ``GetAtt`` token before and after: only the name in the logical ID redeploys."""
    generated = stage_deployment()
    named = stage_deployment(endpoint_name="sentiment")
    renamed = stage_deployment(endpoint_name="sentiment-v2")
    assert len({generated, named, renamed}) == 3


def test_a_new_endpoint_construct_deploys_the_stage_again() -> None:
    assert stage_deployment(endpoint_id="Endpoint") != stage_deployment(endpoint_id="EndpointV2")


def test_another_endpoint_behind_a_route_deploys_the_stage_again() -> None:
    assert stage_deployment(other_endpoint_id="Other") != stage_deployment(
        other_endpoint_id="Replacement"
    )


def test_an_endpoint_updated_in_place_keeps_the_deployment() -> None:
    """A new memory size replaces the endpoint config and updates the endpoint in place
    (same name): the stage keeps calling it, no redeployment."""
    assert stage_deployment(memory_size_mb=2048) == stage_deployment(memory_size_mb=4096)


def test_a_replaced_credentials_role_deploys_the_stage_again() -> None:
    """Every integration's ``Credentials`` is ``GetAtt <role>.Arn``: the same expression for
    a new role, whose ARN differs at deploy time. A stage left on the old deployment would
    ask API Gateway to assume a deleted role."""
    assert stage_deployment(credentials_role_id="RoleV1") == stage_deployment(
        credentials_role_id="RoleV1"
    )
    assert stage_deployment(credentials_role_id="RoleV1") != stage_deployment(
        credentials_role_id="RoleV2"
    )
