"""Keep-warm pings alone must never page: the rule that refuses them, checked against
CloudWatch's evaluation of the synthesized alarm (``alarm_evaluator``), in ``EndpointAlarms``
and in the app's loader."""

import typing
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_scheduler as scheduler

from serverless_inference import (
    AlarmThresholds,
    ContainerImage,
    EndpointAlarms,
    KeepWarm,
    ServerlessEndpoint,
)
from serverless_inference.alarm_keep_warm import (
    pings_fire_concurrency_alarm,
    quietest_interval_minutes,
)
from stacks.config import ConfigurationError
from tests.alarm_evaluator import states
from tests.cdk_helpers import linted_template, new_stack, resources_of_type
from tests.support.config import load_environments, problems_of

METRIC = "ServerlessConcurrentExecutionsUtilization"
PERIODS = 24
"""Two hours of five-minute periods: every schedule below repeats within them."""
INTERVALS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 60)
SHARES = [(c, m) for m in (1, 2, 4, 5) for c in range(1, m + 1)]


def _pings_only(concurrency: int, max_concurrency: int, interval: int, offset: int) -> Any:
    """What the endpoint publishes when only keep-warm calls it: in each minute a run starts,
    ``concurrency`` of ``max_concurrency`` executions at once; nothing otherwise."""
    times = range(offset * 60, PERIODS * 300, interval * 60)
    return {METRIC: [(time, concurrency / max_concurrency) for time in times]}


def _concurrency_alarm(threshold: float) -> dict[str, Any]:
    stack = new_stack()
    endpoint = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    thresholds = AlarmThresholds(concurrency_utilization_high=threshold)
    EndpointAlarms(stack, "Alarms", endpoint=endpoint, thresholds=thresholds)
    (alarm,) = [
        typing.cast(dict[str, Any], resource["Properties"])
        for resource in resources_of_type(linted_template(stack), "AWS::CloudWatch::Alarm").values()
        if resource["Properties"].get("MetricName") == METRIC
    ]
    return alarm


@pytest.mark.parametrize("threshold", [0.5, 0.8, 1.0])
def test_the_rule_is_exactly_when_cloudwatch_would_fire_on_pings_alone(threshold: float) -> None:
    # GIVEN the synthesized alarm, and an endpoint nobody but keep-warm calls
    alarm = _concurrency_alarm(threshold)
    for concurrency, max_concurrency in SHARES:
        for interval in INTERVALS:
            # WHEN the schedule starts at any minute relative to the alarm's periods
            fired = any(
                "ALARM"
                in states(alarm, _pings_only(concurrency, max_concurrency, interval, o), PERIODS)
                for o in range(min(interval, PERIODS * 5))
            )
            # THEN the rule refuses exactly the schedules that would put it in ALARM
            assert fired == pings_fire_concurrency_alarm(
                concurrency=concurrency,
                max_concurrency=max_concurrency,
                threshold=threshold,
                interval_minutes=interval,
            ), (concurrency, max_concurrency, interval)


def test_the_quietest_interval_is_the_first_that_cannot_fire() -> None:
    quietest = quietest_interval_minutes()
    assert quietest == 8  # 3 of 3 five-minute periods: runs 7.5 minutes apart reach 2 at most
    for interval, fires in ((quietest - 1, True), (quietest, False)):
        assert (
            pings_fire_concurrency_alarm(
                concurrency=1, max_concurrency=1, threshold=1.0, interval_minutes=interval
            )
            is fires
        )


def _alarms_with_keep_warm(
    *, max_concurrency: int = 5, alarms: dict[str, Any] | None = None, **keep_warm: Any
) -> Stack:
    stack = new_stack()
    endpoint = ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        max_concurrency=max_concurrency,
    )
    pinger = KeepWarm(stack, "KeepWarm", endpoint=endpoint, pre_warm_on_deploy=False, **keep_warm)
    EndpointAlarms(stack, "Alarms", endpoint=endpoint, keep_warm=pinger, **(alarms or {}))
    return stack


LIBRARY_MESSAGE = (
    "Invalid EndpointAlarms props:\n  - thresholds.concurrency_utilization_high must be above "
    "0.8: 4 keep-warm pings at once (the KeepWarm concurrency) every {interval} minutes (the KeepWarm "
    "schedule) fill 0.8 of the endpoint's max_concurrency (5) alone, so the critical alarm "
    "concurrency_utilization_high breaches in every period with no user traffic and the "
    "composite alarm pages; send fewer pings (the KeepWarm concurrency), ping every 8 minutes "
    "or less often (the KeepWarm schedule), raise the endpoint's max_concurrency, or add "
    "concurrency_utilization_high to disabled, got 0.8"
)


@pytest.mark.parametrize(
    ("keep_warm", "interval"),
    [
        ({"concurrency": 4}, 5),
        ({"concurrency": 4, "rate_minutes": 7, "active_hours": (7, 20)}, 7),
        (
            {
                "concurrency": 4,
                "schedule": scheduler.ScheduleExpression.expression("rate(5 minutes)"),
            },
            5,
        ),
    ],
)
def test_fails_when_the_keep_warm_pings_alone_fire_the_concurrency_alarm(
    keep_warm: dict[str, Any], interval: int
) -> None:
    with pytest.raises(ValueError) as raised:
        _alarms_with_keep_warm(**keep_warm)
    assert str(raised.value) == LIBRARY_MESSAGE.format(interval=interval)


@pytest.mark.parametrize(
    ("keep_warm", "alarms"),
    [
        ({"concurrency": 3}, None),
        ({"concurrency": 4, "rate_minutes": 8}, None),
        ({"concurrency": 4}, {"thresholds": AlarmThresholds(concurrency_utilization_high=0.85)}),
        ({"concurrency": 4}, {"disabled": ["concurrency_utilization_high"]}),
        ({"concurrency": 4, "enabled": False}, None),
        # a cron schedule's interval is not literal: left to the user
        (
            {
                "concurrency": 4,
                "schedule": scheduler.ScheduleExpression.expression("cron(0 * * * ? *)"),
            },
            None,
        ),
    ],
)
def test_keep_warm_that_cannot_fire_the_alarm_alone_is_accepted(
    keep_warm: dict[str, Any], alarms: dict[str, Any] | None
) -> None:
    linted_template(_alarms_with_keep_warm(alarms=alarms, **keep_warm))


@pytest.mark.parametrize(
    "alarms",
    [
        None,
        # the model's own thresholds and disabled kinds are what its pings are checked with
        {"thresholds": AlarmThresholds(concurrency_utilization_high=0.85)},
        {"disabled": ["concurrency_utilization_high"]},
    ],
)
def test_each_model_added_is_checked_with_its_own_keep_warm(alarms: dict[str, Any] | None) -> None:
    # GIVEN alarms on a first model whose keep-warm pings are fine
    stack = _alarms_with_keep_warm(concurrency=3)
    watched = stack.node.find_child("Alarms")
    assert isinstance(watched, EndpointAlarms)
    # WHEN a second model's keep-warm fills 4 of its 5 environments
    other = ServerlessEndpoint(
        stack, "Other", image=ContainerImage.hugging_face_inference(), max_concurrency=5
    )
    pinger = KeepWarm(stack, "OtherKeepWarm", endpoint=other, concurrency=4)

    def add() -> None:
        watched.add_endpoint("other", other, keep_warm=pinger, **(alarms or {}))

    if alarms is None:
        # THEN it is refused, as for the first model
        with pytest.raises(ValueError) as raised:
            add()
        assert str(raised.value) == LIBRARY_MESSAGE.format(interval=5).replace(
            "EndpointAlarms props", "EndpointAlarms.add_endpoint"
        )
    else:
        add()
        linted_template(stack)


# --- the app's loader ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_concurrency", "concurrency", "message"),
    [
        (
            2,
            2,
            "environments.dev.alarms.thresholds.concurrency_utilization_high must be above 1, "
            "which no threshold can be: 2 keep-warm pings at once (keep_warm.concurrency) every "
            "5 minutes (keep_warm.rate_minutes) fill 1 of endpoint.max_concurrency (2) alone, so "
            "the critical alarm concurrency_utilization_high breaches in every period with no "
            "user traffic and the composite alarm pages; send fewer pings "
            "(keep_warm.concurrency), ping every 8 minutes or less often "
            "(keep_warm.rate_minutes), raise endpoint.max_concurrency, or add "
            "concurrency_utilization_high to alarms.disabled, got 0.8",
        ),
        (
            # one environment at max concurrency 1 with the default keep-warm: one ping fills it
            1,
            1,
            "environments.dev.alarms.thresholds.concurrency_utilization_high must be above 1, "
            "which no threshold can be: 1 keep-warm ping at once (keep_warm.concurrency) every "
            "5 minutes (keep_warm.rate_minutes) fill 1 of endpoint.max_concurrency (1) alone, so "
            "the critical alarm concurrency_utilization_high breaches in every period with no "
            "user traffic and the composite alarm pages; ping every 8 minutes or less often "
            "(keep_warm.rate_minutes), raise endpoint.max_concurrency, or add "
            "concurrency_utilization_high to alarms.disabled, got 0.8",
        ),
        (
            10,
            9,
            "environments.dev.alarms.thresholds.concurrency_utilization_high must be above 0.9: "
            "9 keep-warm pings at once",
        ),
    ],
)
def test_the_loader_refuses_it_naming_the_keys(
    max_concurrency: int, concurrency: int, message: str
) -> None:
    environment = {
        "endpoint": {"max_concurrency": max_concurrency},
        "keep_warm": {"concurrency": concurrency},
    }
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": environment}, serverless_concurrency_quota=20)
    (problem,) = problems_of(raised)
    assert problem.startswith(message)


@pytest.mark.parametrize(
    "fix",
    [
        {"keep_warm": {"concurrency": 2, "rate_minutes": 8}},
        {"keep_warm": {"concurrency": 2, "enabled": False}},
        {"keep_warm": {"concurrency": 2}, "alarms": {"enabled": False}},
        {"keep_warm": {"concurrency": 2}, "alarms": {"disabled": ["concurrency_utilization_high"]}},
        # provisioned concurrency keeps both environments warm: the app leaves KeepWarm out
        {"keep_warm": {"concurrency": 2}, "endpoint": {"provisioned_concurrency": 2}},
    ],
)
def test_the_loader_accepts_each_way_out(fix: dict[str, Any]) -> None:
    endpoint = {"max_concurrency": 2, **fix.pop("endpoint", {})}
    load_environments({"dev": {"endpoint": endpoint, **fix}})
