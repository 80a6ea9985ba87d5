"""Structural checks of every template the tests lint (``cdk_helpers.linted_template``).

cfn-lint and cdk-nag check syntax and policy; neither sees that an alarm's notification can
never be delivered, or that an alarm watches a statistic its metric never publishes. Both
fail silently in a real account. These checks walk the template:

* delivery: every ``AlarmActions`` / ``OKActions`` / ``InsufficientDataActions`` entry of every
  ``AWS::CloudWatch::Alarm`` and ``AWS::CloudWatch::CompositeAlarm`` -> the topic it references
  -> the topic's policy allows ``cloudwatch.amazonaws.com`` to ``sns:Publish`` with
  conditions that hold for this alarm's ARN and account (no topic policy at all keeps SNS's
  default policy, which allows the owner account's services) -> when the topic has a
  ``KmsMasterKeyId``, that key's policy lets CloudWatch ``kms:Decrypt`` and
  ``kms:GenerateDataKey*``. Actions on imported topics (a literal ARN) are the user's
  responsibility (docs/alarms.md, "Notifications") and are counted apart.
* statistics: every alarm (plain or metric math) and every dashboard graph uses a statistic
  ``limits.METRIC_STATISTICS`` documents for its metric.
"""

import json
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from serverless_inference.alarm_topic import CLOUDWATCH_PRINCIPAL
from serverless_inference_runtime.limits import documented_statistics

ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
ACTION_KEYS = ("AlarmActions", "OKActions", "InsufficientDataActions")
KMS_ACTIONS_NEEDED = ("kms:Decrypt", "kms:GenerateDataKey*")
TLS_ONLY_CONDITION = {"Bool": {"aws:SecureTransport": "false"}}
"""A Deny under this condition does not affect CloudWatch: publishing to an encrypted topic
needs HTTPS anyway ("All requests to topics with SSE enabled must use HTTPS")."""


@dataclass
class DeliveryReport:
    """What the delivery check found: problems, and how many actions it followed."""

    problems: list[str] = field(default_factory=list)
    verified: int = 0
    """Actions on a topic in the template whose whole path was checked."""
    imported: int = 0
    """Actions on a literal topic ARN, the user's responsibility."""


def render(value: Any) -> str:
    """A CloudFormation value as text, references written ``<Name>`` (``<AWS.Region>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":  # no colons: ARNs are split on them
            return "<{}>".format(argument.replace("::", "."))
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part) for part in parts)
    return json.dumps(value, sort_keys=True)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _lower(values: Any) -> set[str]:
    return {str(value).lower() for value in _as_list(values)}


def _is_cloudwatch(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return "*" in _as_list(principal.get("AWS", [])) or CLOUDWATCH_PRINCIPAL in _as_list(
        principal.get("Service", [])
    )


def _covers(actions: Any, needed: str) -> bool:
    service = needed.split(":")[0]
    return any(
        fnmatchcase(needed.lower(), action) or action in {"*", f"{service}:*"}
        for action in _lower(actions)
    )


@dataclass(frozen=True)
class AlarmIdentity:
    """What a condition may test about the alarm that publishes."""

    arn: str
    account: str


def _condition_holds(condition: dict[str, Any], alarm: AlarmIdentity) -> str | None:
    """``None`` when every condition holds for the alarm, else why not (or why unknowable)."""
    for operator, tests in condition.items():
        for key, expected in tests.items():
            name = key.lower()
            if name == "aws:sourcearn" and operator in ("ArnLike", "ArnEquals"):
                if not any(_arn_matches(alarm.arn, render(p)) for p in _as_list(expected)):
                    return f"aws:SourceArn {render(expected)} does not match {alarm.arn}"
            elif name == "aws:sourceaccount" and operator == "StringEquals":
                if alarm.account not in {render(value) for value in _as_list(expected)}:
                    return f"aws:SourceAccount {render(expected)} is not {alarm.account}"
            else:
                return f"{operator} {key}: CloudWatch is not documented to send it"
    return None


def _arn_matches(arn: str, pattern: str) -> bool:
    """IAM's ArnLike: the five colon-delimited parts match one by one, then the resource.

    The partition is the stack's in any case (``<AWS.Partition>`` or a literal one)."""
    arn_parts, pattern_parts = arn.split(":", 5), pattern.split(":", 5)
    if len(pattern_parts) != 6 or not re.match(
        r"^(<AWS.Partition>|aws(-[a-z]+)*)$", pattern_parts[1]
    ):
        return False
    del arn_parts[1], pattern_parts[1]
    return all(
        fnmatchcase(part, wanted) for part, wanted in zip(arn_parts, pattern_parts, strict=True)
    )


class _Template:
    def __init__(self, template: dict[str, Any], region: str | None, account: str | None):
        self.resources: dict[str, Any] = template.get("Resources", {})
        self.region = region if region is not None else "<AWS.Region>"
        self.account = account if account is not None else "<AWS.AccountId>"

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource.get("Type") in types
        }

    def alarm_identity(self, properties: dict[str, Any]) -> AlarmIdentity | None:
        if "AlarmName" not in properties:
            return None
        name = render(properties["AlarmName"])
        arn = f"arn:<AWS.Partition>:cloudwatch:{self.region}:{self.account}:alarm:{name}"
        return AlarmIdentity(arn=arn, account=self.account)

    def topic_statements(self, topic_id: str) -> list[dict[str, Any]] | None:
        """The statements of every topic policy of the topic; ``None`` when it has none."""
        policies = [
            resource["Properties"]
            for resource in self.of_type("AWS::SNS::TopicPolicy").values()
            if {"Ref": topic_id} in resource["Properties"].get("Topics", [])
        ]
        if not policies:
            return None
        return [s for policy in policies for s in policy["PolicyDocument"]["Statement"]]


def delivery_report(
    template: dict[str, Any], *, region: str | None = None, account: str | None = None
) -> DeliveryReport:
    """Follow every alarm action of the template to its topic, topic policy and key policy.

    ``region``/``account``: the stack's, when known at synthesis (else the pseudo parameters).
    """
    cfn = _Template(template, region, account)
    report = DeliveryReport()
    for alarm_id, alarm in cfn.of_type(*ALARM_TYPES).items():
        properties = alarm.get("Properties", {})
        for key in ACTION_KEYS:
            for action in properties.get(key, []):
                where = f"{alarm_id}.{key} {render(action)}"
                if isinstance(action, str):
                    if action.startswith("arn:") and ":sns:" in action:
                        report.imported += 1
                    continue
                topic_id = action.get("Ref") if isinstance(action, dict) else None
                topic = cfn.resources.get(topic_id) if isinstance(topic_id, str) else None
                if (
                    not isinstance(topic_id, str)
                    or topic is None
                    or topic["Type"] != "AWS::SNS::Topic"
                ):
                    report.problems.append(f"{where}: not a topic of this template")
                    continue
                identity = cfn.alarm_identity(properties)
                if identity is None:
                    report.problems.append(f"{where}: no AlarmName, its ARN is unknown")
                    continue
                found = _topic_problems(cfn, topic_id, identity) + _key_problems(
                    cfn, topic.get("Properties", {})
                )
                report.problems.extend(f"{where}: {problem}" for problem in found)
                report.verified += not found
    return report


def _topic_problems(cfn: _Template, topic_id: str, alarm: AlarmIdentity) -> list[str]:
    statements = cfn.topic_statements(topic_id)
    if statements is None:
        return []  # SNS's default policy: the owner account's AWS services may publish
    problems = []
    allowed = False
    for statement in statements:
        if not _is_cloudwatch(statement.get("Principal")):
            continue
        if not _covers(statement.get("Action", []), "sns:Publish"):
            continue
        resources = {render(r) for r in _as_list(statement.get("Resource", "*"))}
        if not resources & {f"<{topic_id}>", "*"}:
            continue
        condition = statement.get("Condition", {})
        if statement.get("Effect") == "Deny":
            if condition != TLS_ONLY_CONDITION:
                problems.append(f"topic policy denies CloudWatch: {statement}")
            continue
        reason = _condition_holds(condition, alarm)
        if reason is None:
            allowed = True
        else:
            problems.append(f"topic policy statement does not apply: {reason}")
    if not allowed:
        problems.append(
            f"the topic policy of {topic_id} replaces SNS's default policy and allows "
            f"{CLOUDWATCH_PRINCIPAL} no sns:Publish"
        )
    return problems


def _key_problems(cfn: _Template, topic: dict[str, Any]) -> list[str]:
    key_ref = topic.get("KmsMasterKeyId")
    if key_ref is None:
        return []
    if isinstance(key_ref, str):
        if key_ref.endswith("alias/aws/sns"):
            return ["the AWS managed key alias/aws/sns cannot allow CloudWatch"]
        return []  # an imported key: the user's responsibility, as for imported topics
    key_id = key_ref.get("Ref") or (key_ref.get("Fn::GetAtt") or [None])[0]
    key = cfn.resources.get(key_id) if isinstance(key_id, str) else None
    if key is None or key.get("Type") != "AWS::KMS::Key":
        return [f"KmsMasterKeyId {render(key_ref)} is not a key of this template"]
    missing = set(KMS_ACTIONS_NEEDED)
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow" or not isinstance(principal, dict):
            continue
        if CLOUDWATCH_PRINCIPAL not in _as_list(principal.get("Service", [])):
            continue
        if statement.get("Condition"):
            return [f"key {key_id}: conditions CloudWatch is not documented to send"]
        missing -= {a for a in KMS_ACTIONS_NEEDED if _covers(statement.get("Action", []), a)}
    return [f"key {key_id} does not allow CloudWatch {sorted(missing)}"] if missing else []


# --- statistics -------------------------------------------------------------------------------


def undocumented_statistics(template: dict[str, Any]) -> list[str]:
    """Every alarm and dashboard metric whose statistic AWS does not document for it."""
    cfn = _Template(template, None, None)
    problems = []
    for alarm_id, alarm in cfn.of_type("AWS::CloudWatch::Alarm").items():
        for namespace, name, statistic in _alarm_metric_stats(alarm["Properties"]):
            problems += _statistic_problem(f"alarm {alarm_id}", namespace, name, statistic)
    for dashboard_id, dashboard in cfn.of_type("AWS::CloudWatch::Dashboard").items():
        body = json.loads(render(dashboard["Properties"]["DashboardBody"]))
        for widget in body.get("widgets", []):
            for namespace, name, statistic in dashboard_metric_stats(widget):
                title = widget["properties"].get("title", widget["type"])
                where = f"dashboard {dashboard_id} widget {title!r}"
                problems += _statistic_problem(where, namespace, name, statistic)
    return problems


def _alarm_metric_stats(properties: dict[str, Any]) -> list[tuple[str, str, str]]:
    if "MetricName" in properties:
        statistic = properties.get("ExtendedStatistic", properties.get("Statistic"))
        return [(properties["Namespace"], properties["MetricName"], str(statistic))]
    stats = [
        query["MetricStat"] for query in properties.get("Metrics", []) if "MetricStat" in query
    ]
    return [(s["Metric"]["Namespace"], s["Metric"]["MetricName"], s["Stat"]) for s in stats]


def dashboard_metric_stats(widget: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(namespace, metric name, statistic)`` of every metric a dashboard widget plots (the
    widget's ``stat``, else CloudWatch's default ``Average``, unless the metric sets its own)."""
    properties = widget.get("properties", {})
    default = properties.get("stat", "Average")
    stats = []
    for metric in properties.get("metrics", []):
        if not isinstance(metric[0], str):
            continue  # a metric-math expression: its inputs are listed as metrics too
        options = metric[-1] if isinstance(metric[-1], dict) else {}
        stats.append((metric[0], metric[1], options.get("stat", default)))
    return stats


def _statistic_problem(where: str, namespace: str, name: str, statistic: str) -> list[str]:
    documented = documented_statistics(namespace, name)
    if documented is None:
        return [f"{where}: {namespace} {name} is not in limits.METRIC_STATISTICS"]
    if not documented.allows(statistic):
        return [f"{where}: {namespace} {name} {statistic} is not a documented statistic"]
    return []


def observability_problems(
    template: dict[str, Any], *, region: str | None = None, account: str | None = None
) -> list[str]:
    """Every delivery and statistics problem of a template (the ``linted_template`` hook)."""
    report = delivery_report(template, region=region, account=account)
    return report.problems + undocumented_statistics(template)
