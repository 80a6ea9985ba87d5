"""``ServerlessInference``: endpoint, API, keep-warm and alarms composed in one construct; more
models and fan-outs over them on the same API, topic, page and dashboard."""

from collections.abc import Mapping, Sequence
from typing import Literal, Unpack

from aws_cdk import Annotations
from constructs import Construct

from serverless_inference.alarm_thresholds import AlarmThresholds
from serverless_inference.alarms import AlarmsOptions, EndpointAlarms
from serverless_inference.api import InferenceApi
from serverless_inference.api_options import ApiOptions
from serverless_inference.endpoint import EndpointOptions, ServerlessEndpoint
from serverless_inference.fan_out import ModelFanOut
from serverless_inference.fan_out_options import FanOutOptions
from serverless_inference.keep_warm import KeepWarm
from serverless_inference.keep_warm_options import KeepWarmOptions, provisioned_concurrency_covers
from serverless_inference.names import check_name, named_scope
from serverless_inference.validation import Problems
from serverless_inference_runtime.keep_warm.contract import DEFAULT_CONCURRENCY


class ServerlessInference(Construct):
    """A model on a serverless endpoint, fronted, kept warm and watched; more models and
    fan-outs over them with ``add_model`` and ``add_fan_out``.

    The endpoint props (:class:`~serverless_inference.endpoint.EndpointOptions`: ``image``,
    ``memory_size_mb``...) are this construct's own keyword arguments. Each optional part
    takes its construct's props without the endpoint, or ``False`` to leave it out.

    :param name: the model's name among several (``add_model``): its endpoint and keep-warm
        are ``Models/<Name>/...``, its alarms ``<prefix>-<name>-<kind>``, and its route
        defaults to ``POST /<name>``. Default: - a single model (``Endpoint``, ``KeepWarm``,
        ``<prefix>-<kind>``, ``POST /predict``); such a model cannot be a fan-out member.
    :param api: the REST API in front of the endpoint: ``ApiOptions`` (``InferenceApi``'s
        props). Default: - an ``InferenceApi`` with its defaults (IAM auth).
    :param keep_warm: the keep-warm schedule: ``KeepWarmOptions`` (``KeepWarm``'s props).
        Left out (with an info annotation) when ``provisioned_concurrency`` already keeps at
        least as many environments warm as it would ping. Default: - a ``KeepWarm`` with its
        defaults.
    :param alarms: alarms, their SNS topic and the dashboard: ``AlarmsOptions``
        (``EndpointAlarms``' props; it watches this pattern's endpoints, API, keep-warm and
        fan-outs). Default: - an ``EndpointAlarms`` with its defaults.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str | None = None,
        api: ApiOptions | Literal[False] | None = None,
        keep_warm: KeepWarmOptions | Literal[False] | None = None,
        alarms: AlarmsOptions | Literal[False] | None = None,
        **endpoint: Unpack[EndpointOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("ServerlessInference props")
        for part_name, part, options in (
            ("api", api, "ApiOptions"),
            ("keep_warm", keep_warm, "KeepWarmOptions"),
            ("alarms", alarms, "AlarmsOptions"),
        ):
            if part is not None and part is not False and not isinstance(part, Mapping):
                problems.add(part_name, part, f"{options}(...), or False to leave it out")
        if name is not None:
            check_name(problems, "name", name, ())
        problems.raise_if_any()

        self.models: dict[str, ServerlessEndpoint] = {}
        """The named models' endpoints, by name (fan-out members)."""
        self.keep_warms: dict[str, KeepWarm | None] = {}
        """The named models' keep-warm, by name (``None``: left out)."""
        self.fan_outs: dict[str, ModelFanOut] = {}
        """The fan-outs, by name."""
        model_scope = self if name is None else named_scope(self, "Models", name)
        self.endpoint = ServerlessEndpoint(model_scope, "Endpoint", **endpoint)
        """The serverless endpoint (the first model's, when ``name`` is given)."""
        api_options = ApiOptions() if api is None or api is False else api
        if name is not None and "path" not in api_options:
            api_options = ApiOptions(**api_options, path=name)
        self.api: InferenceApi | None = (
            InferenceApi(self, "Api", endpoint=self.endpoint, **api_options)
            if api is not False
            else None
        )
        """The REST API in front of it (every model's and fan-out's route), or ``None`` when
        ``api`` is false."""
        self.keep_warm = _keep_warm(model_scope, self.endpoint, keep_warm)
        """The keep-warm schedule, or ``None`` when ``keep_warm`` is false or provisioned
        concurrency covers it."""
        alarms_options = AlarmsOptions() if alarms is None or alarms is False else alarms
        self.alarms: EndpointAlarms | None = (
            EndpointAlarms(
                self,
                "Alarms",
                endpoint=self.endpoint,
                name=name,
                api=self.api,
                keep_warm=self.keep_warm,
                **alarms_options,
            )
            if alarms is not False
            else None
        )
        """Alarms, their topic and the dashboard, or ``None`` when ``alarms`` is false."""
        if name is not None:
            self.models[name] = self.endpoint
            self.keep_warms[name] = self.keep_warm

    def add_model(
        self,
        name: str,
        *,
        path: str | None = None,
        keep_warm: KeepWarmOptions | Literal[False] | None = None,
        alarm_thresholds: AlarmThresholds | None = None,
        **endpoint: Unpack[EndpointOptions],
    ) -> ServerlessEndpoint:
        """One more model: its own endpoint (``endpoint`` props), route on the API (``POST
        /<path>``, default ``/<name>``), keep-warm (``KeepWarmOptions``, ``False`` to leave it
        out) and alarms (``alarm_thresholds``, default: the pattern's), on the pattern's API,
        topic, composite alarm and dashboard. Returns its endpoint."""
        problems = Problems("ServerlessInference.add_model")
        check_name(problems, "name", name, [*self.models, *self.fan_outs])
        if keep_warm is not None and keep_warm is not False and not isinstance(keep_warm, Mapping):
            problems.add("keep_warm", keep_warm, "KeepWarmOptions(...), or False to leave it out")
        problems.raise_if_any()
        scope = named_scope(self, "Models", name)
        model = ServerlessEndpoint(scope, "Endpoint", **endpoint)
        self.models[name] = model
        self.keep_warms[name] = _keep_warm(scope, model, keep_warm)
        if self.api is not None:
            self.api.add_endpoint(path if path is not None else name, model)
        if self.alarms is not None:
            self.alarms.add_endpoint(
                name, model, keep_warm=self.keep_warms[name], thresholds=alarm_thresholds
            )
        return model

    def add_fan_out(
        self,
        name: str,
        *,
        required: Sequence[str],
        optional: Sequence[str] = (),
        path: str | None = None,
        **options: Unpack[FanOutOptions],
    ) -> ModelFanOut:
        """A ``ModelFanOut`` over the named models (``required``, ``optional``), with its
        route on the API (``POST /<path>``, default ``/<name>``) and its alarms. Returns it."""
        problems = Problems("ServerlessInference.add_fan_out")
        check_name(problems, "name", name, [*self.models, *self.fan_outs])
        for group, names in (("required", required), ("optional", optional)):
            for member in names:
                if member not in self.models:
                    problems.add(
                        group, member, "names of models: " + (", ".join(self.models) or "none")
                    )
        problems.raise_if_any()
        fan_out = ModelFanOut(
            named_scope(self, "FanOuts", name),
            "FanOut",
            required={member: self.models[member] for member in required},
            optional={member: self.models[member] for member in optional},
            **options,
        )
        self.fan_outs[name] = fan_out
        if self.api is not None:
            self.api.add_fan_out(path if path is not None else name, fan_out)
        if self.alarms is not None:
            self.alarms.add_fan_out(name, fan_out)
        return fan_out


def _keep_warm(
    scope: Construct,
    endpoint: ServerlessEndpoint,
    keep_warm: KeepWarmOptions | Literal[False] | None,
) -> KeepWarm | None:
    """The endpoint's ``KeepWarm`` in ``scope``, unless left out or covered by provisioned
    concurrency (an info annotation says so)."""
    if keep_warm is False:
        return None
    options = KeepWarmOptions() if keep_warm is None else keep_warm
    concurrency = options.get("concurrency", DEFAULT_CONCURRENCY)
    provisioned = endpoint.provisioned_concurrency
    if provisioned_concurrency_covers(provisioned, concurrency):
        Annotations.of(scope).add_info(
            f"KeepWarm left out: provisioned concurrency ({provisioned}) keeps "
            f"at least the {concurrency} environment(s) it would ping warm"
        )
        return None
    return KeepWarm(scope, "KeepWarm", endpoint=endpoint, **options)
