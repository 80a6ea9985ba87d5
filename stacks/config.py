"""The app's configuration: cdk.json's context, validated as a whole by ``load_config``.

The top-level keys are ``environments`` (one stack each; its sections in
``stacks.settings``), ``pipeline``, ``cdk_nag`` and ``serverless_concurrency_quota``;
``env`` picks one environment on the command line. Every problem is reported at once, with
its key path (``environments.prod.endpoint.memory_size_mb``), and unknown keys are errors.
``-c`` overrides use dotted paths (``stacks.overrides``); the type of each key is read from
its section's dataclass (``stacks.schema``); what the environments must fit together is
checked last (``stacks.quota``).
"""

import json
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from serverless_inference.validation import Problems
from stacks.overrides import (
    ENVIRONMENTS_CONTEXT_KEY,
    PIPELINE_CONTEXT_KEY,
    decode,
    from_cli,
    pipeline_overrides,
    set_path,
    with_overrides,
)
from stacks.placement import Placement, check_image_region
from stacks.quota import (
    DEFAULT_SERVERLESS_CONCURRENCY_QUOTA,
    QuotaEntry,
    QuotaWarning,
    check_concurrency_quota,
)
from stacks.schema import is_instance, parse_section
from stacks.settings.environment import EnvironmentSettings, check_sections_of_models
from stacks.settings.pipeline import PipelineSettings

STACK_NAME_PREFIX = "ServerlessInference"
"""An environment's stack is ``<prefix>-<environment>`` (its alarms' names begin with it)."""
ENVIRONMENT_NAME_CONTEXT_KEY = "env"
CDK_NAG_CONTEXT_KEY = "cdk_nag"
SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY = "serverless_concurrency_quota"
CONFIGURATION_CONTEXT_KEYS = (
    ENVIRONMENTS_CONTEXT_KEY,
    PIPELINE_CONTEXT_KEY,
    CDK_NAG_CONTEXT_KEY,
    SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY,
)
"""The top-level keys of the app's configuration in cdk.json (``env`` is a command-line
choice, not configuration)."""


class ConfigurationError(ValueError):
    """The configuration is invalid; the message lists every problem with its key path."""


@dataclass(frozen=True)
class AppConfig:
    """The app's validated configuration."""

    environments: dict[str, EnvironmentSettings]
    """The environments that get a stack of their own (``make deploy``), by name: every one,
    the one ``env`` selects, or none when a pipeline deploys them and ``env`` selects none."""
    pipeline: PipelineSettings | None = None
    """The CDK pipeline deploying ``pipeline.stages``. Default: - no pipeline."""
    pipeline_stages: dict[str, EnvironmentSettings] = field(default_factory=dict)
    """The settings of each pipeline stage, in order, whichever environment ``env`` selects."""
    cdk_nag: bool = False
    """Whether every synthesis runs cdk-nag's AwsSolutions pack. Default: false, because
    `make test` runs it on every app the tests synthesize (and so do CI and the pipeline)."""
    serverless_concurrency_quota: int = DEFAULT_SERVERLESS_CONCURRENCY_QUOTA
    """The account's quota on the total ``MaxConcurrency`` of its serverless endpoints in one
    region, which the environments deploying there must fit. Default: 10."""
    quota_warnings: tuple[QuotaWarning, ...] = ()
    """Environments that fit the quota with too little room to update the largest of them."""


def load_config(context: Mapping[str, Any]) -> AppConfig:
    """Read and validate the app's configuration from the CDK context.

    Raises one ``ConfigurationError`` listing every problem, each with its key path.
    """
    problems = Problems("configuration (cdk.json context)")
    tree = with_overrides(decode(context.get(ENVIRONMENTS_CONTEXT_KEY)), context, problems)
    environments: dict[str, EnvironmentSettings] = {}
    for name, raw in tree.items():
        path = f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."
        check_sections_of_models(problems.under(path), raw)
        settings = parse_section(EnvironmentSettings, raw, problems, path)
        if settings is not None:
            settings.check(problems.under(path))
            environments[name] = settings
    pipeline = _load_pipeline(context, list(tree), environments, problems)
    placements = {
        name: _placement(name, settings, pipeline) for name, settings in environments.items()
    }
    _check_image_regions(problems, environments, placements)
    for name, settings in environments.items():
        settings.check_composite_alarm(
            problems.under(f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."),
            f"{STACK_NAME_PREFIX}-{name}",
            placements[name].region,
        )
    _check_topic_regions(problems, environments, placements)
    cdk_nag = _top_level(context, CDK_NAG_CONTEXT_KEY, False, _is_bool, "true or false", problems)
    quota = _top_level(
        context,
        SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY,
        DEFAULT_SERVERLESS_CONCURRENCY_QUOTA,
        _is_positive_int,
        "a whole number of at least 1 (the account's quota in Service Quotas)",
        problems,
    )
    selected = context.get(ENVIRONMENT_NAME_CONTEXT_KEY)
    if selected is not None and selected not in tree:
        problems.add(ENVIRONMENT_NAME_CONTEXT_KEY, selected, "one of " + ", ".join(tree))
    warnings: list[QuotaWarning] = []
    if not problems:
        # Only once every value is valid: the sum is meaningless otherwise.
        warnings = check_concurrency_quota(
            problems,
            [
                QuotaEntry(
                    placements[name].account,
                    placements[name].region,
                    name if key == "endpoint" else f"{name}.{key.removesuffix('.endpoint')}",
                    endpoint.max_concurrency,
                    None if key == "endpoint" else name,
                )
                for name, settings in environments.items()
                for key, endpoint in settings.endpoints().items()
            ],
            quota,
        )
    try:
        problems.raise_if_any()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    stages = {name: environments[name] for name in pipeline.stages} if pipeline else {}
    if selected is not None:
        environments = {selected: environments[selected]}
    elif pipeline is not None:
        environments = {}
    return AppConfig(
        environments=environments,
        pipeline=pipeline,
        pipeline_stages=stages,
        cdk_nag=cdk_nag,
        serverless_concurrency_quota=quota,
        quota_warnings=tuple(warnings),
    )


def _placement(
    name: str, settings: EnvironmentSettings, pipeline: PipelineSettings | None
) -> Placement:
    """Where an environment deploys: as a pipeline stage when it is one, else on its own."""
    if pipeline is not None and name in pipeline.stages:
        return pipeline.stage_placement(settings)
    return Placement(settings.account, settings.region)


def _check_image_regions(
    problems: Problems,
    environments: Mapping[str, EnvironmentSettings],
    placements: Mapping[str, Placement],
) -> None:
    """The region each environment deploys to must serve the image its endpoint runs, named
    by the key that sets the region: the environment's, else the pipeline's for a stage."""
    for name, settings in environments.items():
        prefix = f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."
        owner = prefix if settings.region is not None else f"{PIPELINE_CONTEXT_KEY}."
        check_image_region(
            problems.under(owner),
            "region",
            placements[name].region,
            registry_account=settings.endpoint.registry_account,
            registry_account_key=f"{prefix}endpoint.registry_account",
        )


def _check_topic_regions(
    problems: Problems,
    environments: Mapping[str, EnvironmentSettings],
    placements: Mapping[str, Placement],
) -> None:
    """The alarm topics of each environment must be in the region it deploys to, named with
    the key that sets that region: the environment's, else the pipeline's for a stage."""
    for name, settings in environments.items():
        prefix = f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."
        region_key = (
            f"{prefix}region" if settings.region is not None else f"{PIPELINE_CONTEXT_KEY}.region"
        )
        settings.alarms.check_topic_regions(
            problems.under(f"{prefix}alarms."), placements[name].region, region_key
        )


Value = TypeVar("Value")


def _top_level(
    context: Mapping[str, Any],
    key: str,
    default: Value,
    valid: Callable[[Any], bool],
    allowed: str,
    problems: Problems,
) -> Value:
    """A top-level setting (JSON text from ``-c`` decoded), or ``default`` when absent."""
    value = decode(context.get(key, default))
    if valid(value):
        return typing.cast(Value, value)
    problems.add(key, value, allowed)
    return default


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_positive_int(value: Any) -> bool:
    return is_instance(int, value) and value >= 1


def _load_pipeline(
    context: Mapping[str, Any],
    names: Collection[str],
    environments: Mapping[str, EnvironmentSettings],
    problems: Problems,
) -> PipelineSettings | None:
    """The ``pipeline`` key (a JSON string from ``-c pipeline=...`` is decoded) and its
    dotted ``-c pipeline.<key>=...`` overrides; ``None`` when neither is given."""
    raw = decode(context.get(PIPELINE_CONTEXT_KEY))
    overrides = pipeline_overrides(context)
    if raw is None and not overrides:
        return None
    tree = json.loads(json.dumps(raw)) if raw is not None else {}
    if isinstance(tree, dict):
        for key, path in overrides.items():
            set_path(tree, path, from_cli(context[key]), problems, key)
    prefix = PIPELINE_CONTEXT_KEY + "."
    settings = parse_section(PipelineSettings, tree, problems, prefix)
    if settings is not None:
        settings.check(problems.under(prefix), names, environments)
    return settings
