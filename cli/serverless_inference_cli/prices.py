"""The price table the cost model uses: ``prices.json`` beside this module, or ``--prices FILE``.

The file names its region, the date it was checked and its sources; rates not confirmed
against AWS are marked ``"verified": false`` and shown as such in the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from serverless_inference_cli.aws import CliError


@dataclass(frozen=True)
class InstancePrice:
    """A real-time instance type: on-demand price per hour and its size."""

    name: str
    per_hour: float
    memory_gib: float
    vcpu: int


@dataclass(frozen=True)
class Prices:
    """Rates in one currency for one region."""

    region: str
    currency: str
    checked: str
    source: str
    compute_per_gb_second: float
    data_processing_per_gb: float
    pc_provisioned_per_gb_second: float
    pc_inference_per_gb_second: float
    pc_verified: bool
    instances: dict[str, InstancePrice]

    def instance(self, name: str) -> InstancePrice:
        """The instance type ``name``, or a :class:`CliError` listing the known ones."""
        try:
            return self.instances[name]
        except KeyError:
            known = ", ".join(sorted(self.instances))
            raise CliError(
                f"No price for instance type {name!r} in the price file (known: {known}). "
                "Add it to a --prices file."
            ) from None


def _number(data: dict[str, Any], key: str, where: str, problems: list[str]) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where}.{key} must be a number, got {value!r}")
        return 0.0
    if value < 0:
        problems.append(f"{where}.{key} must not be negative, got {value!r}")
    return float(value)


def _section(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        problems.append(f"{key} must be an object, got {value!r}")
        return {}
    return value


def parse_prices(data: Any, origin: str) -> Prices:
    """Validate a decoded price file; every problem is listed in one :class:`CliError`."""
    if not isinstance(data, dict):
        raise CliError(f"Invalid price file {origin}: the top level must be a JSON object.")
    problems: list[str] = []
    for key in ("region", "currency", "checked"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"{key} must be a non-empty string, got {data.get(key)!r}")
    serverless = _section(data, "serverless", problems)
    pc = _section(data, "provisioned_concurrency", problems)
    instances_data = _section(data, "instances", problems)
    compute = _number(serverless, "compute_per_gb_second", "serverless", problems)
    data_gb = _number(serverless, "data_processing_per_gb", "serverless", problems)
    pc_provisioned = _number(pc, "provisioned_per_gb_second", "provisioned_concurrency", problems)
    pc_inference = _number(pc, "inference_per_gb_second", "provisioned_concurrency", problems)
    instances: dict[str, InstancePrice] = {}
    for name, spec in instances_data.items():
        where = f"instances.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where} must be an object, got {spec!r}")
            continue
        per_hour = _number(spec, "per_hour", where, problems)
        memory = _number(spec, "memory_gib", where, problems)
        vcpu = _number(spec, "vcpu", where, problems)
        instances[name] = InstancePrice(name, per_hour, memory, int(vcpu))
    if problems:
        raise CliError(f"Invalid price file {origin}:\n  - " + "\n  - ".join(problems))
    return Prices(
        region=str(data["region"]),
        currency=str(data["currency"]),
        checked=str(data["checked"]),
        source=str(data.get("source", "")),
        compute_per_gb_second=compute,
        data_processing_per_gb=data_gb,
        pc_provisioned_per_gb_second=pc_provisioned,
        pc_inference_per_gb_second=pc_inference,
        pc_verified=bool(pc.get("verified", False)),
        instances=instances,
    )


def load_prices(path: Path | None = None) -> Prices:
    """The bundled price table, or the file at ``path`` (``--prices``)."""
    if path is None:
        text = resources.files("serverless_inference_cli").joinpath("prices.json").read_text()
        origin = "prices.json (bundled)"
    else:
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"Cannot read price file {path}: {exc.strerror}.") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"Invalid price file {origin}: not JSON ({exc.msg} at line {exc.lineno})."
        ) from exc
    return parse_prices(data, origin)
