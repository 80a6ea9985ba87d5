"""The price table the cost figures use: ``prices.json`` beside this module, or ``--prices FILE``.

The file names its region and currency; every rate carries its provenance (the page it was
read on and when, or "placeholder, unverified") and whether it is verified. The commands show
each rate they use with its provenance (:func:`prices_sheet`), and warn when the file is for
another region than the one queried (:func:`region_warning`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from serverless_inference_cli.errors import CliError
from serverless_inference_cli.output import Column, Sheet, cell, price


@dataclass(frozen=True)
class Rate:
    """One price, with where it comes from."""

    value: float
    source: str
    verified: bool

    @property
    def provenance(self) -> str:
        return self.source if self.verified else f"{self.source} (unverified)"


@dataclass(frozen=True)
class InstancePrice:
    """A real-time instance type: on-demand price per hour and its size."""

    name: str
    per_hour: Rate
    memory_gib: float
    vcpu: int


@dataclass(frozen=True)
class FreeTier:
    """AWS's free tier for on-demand serverless inference (the figures leave it out)."""

    seconds_per_month: float
    first_months: int
    source: str


RATE_KEYS: dict[str, tuple[str, str]] = {
    "serverless_compute_per_gb_second": ("serverless compute", "per GB-second"),
    "data_processing_per_gb": ("data processing (in + out)", "per GB"),
    "provisioned_concurrency_per_gb_second": ("provisioned concurrency", "per GB-second"),
    "provisioned_inference_per_gb_second": (
        "inference on provisioned concurrency",
        "per GB-second",
    ),
}
"""The rates of the file's ``rates`` object: key -> (what it is, unit)."""


@dataclass(frozen=True)
class Prices:
    """Rates in one currency for one region."""

    region: str
    currency: str
    checked: str
    origin: str
    rates: dict[str, Rate]
    free_tier: FreeTier
    instances: dict[str, InstancePrice]

    @property
    def compute_per_gb_second(self) -> Rate:
        return self.rates["serverless_compute_per_gb_second"]

    @property
    def data_processing_per_gb(self) -> Rate:
        return self.rates["data_processing_per_gb"]

    @property
    def pc_provisioned_per_gb_second(self) -> Rate:
        return self.rates["provisioned_concurrency_per_gb_second"]

    @property
    def pc_inference_per_gb_second(self) -> Rate:
        return self.rates["provisioned_inference_per_gb_second"]

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


def _object(data: dict[str, Any], key: str, where: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        problems.append(f"{where}{key} must be an object, got {value!r}")
        return {}
    return value


def _rate(data: dict[str, Any], where: str, problems: list[str]) -> Rate:
    value = _number(data, "value" if "value" in data else "per_hour", where, problems)
    source = data.get("source")
    if not isinstance(source, str) or not source:
        problems.append(f"{where}.source must say where the price comes from, got {source!r}")
    verified = data.get("verified")
    if not isinstance(verified, bool):
        problems.append(f"{where}.verified must be true or false, got {verified!r}")
    return Rate(value, str(source), verified is True)


def parse_prices(data: Any, origin: str) -> Prices:
    """Validate a decoded price file; every problem is listed in one :class:`CliError`."""
    if not isinstance(data, dict):
        raise CliError(f"Invalid price file {origin}: the top level must be a JSON object.")
    problems: list[str] = []
    for key in ("region", "currency", "checked"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"{key} must be a non-empty string, got {data.get(key)!r}")
    rates_data = _object(data, "rates", "", problems)
    rates = {
        key: _rate(_object(rates_data, key, "rates.", problems), f"rates.{key}", problems)
        for key in RATE_KEYS
    }
    free = _object(data, "free_tier", "", problems)
    free_tier = FreeTier(
        _number(free, "on_demand_inference_seconds_per_month", "free_tier", problems),
        int(_number(free, "first_months", "free_tier", problems)),
        str(free.get("source", "")),
    )
    instances: dict[str, InstancePrice] = {}
    for name, spec in _object(data, "instances", "", problems).items():
        where = f"instances.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where} must be an object, got {spec!r}")
            continue
        per_hour = _rate(spec, where, problems)
        memory = _number(spec, "memory_gib", where, problems)
        vcpu = _number(spec, "vcpu", where, problems)
        instances[name] = InstancePrice(name, per_hour, memory, int(vcpu))
    if problems:
        raise CliError(f"Invalid price file {origin}:\n  - " + "\n  - ".join(problems))
    return Prices(
        region=str(data["region"]),
        currency=str(data["currency"]),
        checked=str(data["checked"]),
        origin=origin,
        rates=rates,
        free_tier=free_tier,
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


def prices_sheet(prices: Prices, keys: Sequence[str], instances: Sequence[str] = ()) -> Sheet:
    """The rates ``keys`` and the instance types used, each with its provenance."""
    sheet = Sheet(
        "prices",
        f"Prices: {prices.origin}, {prices.region}, {prices.currency}, "
        f"file checked {prices.checked}",
        (
            Column("price", "price"),
            Column("rate", "rate", numeric=True),
            Column("unit", "unit"),
            Column("provenance", "provenance"),
        ),
    )
    for key in keys:
        name, unit = RATE_KEYS[key]
        rate = prices.rates[key]
        sheet.add_row(name, cell(rate.value, price(rate.value)), unit, rate.provenance)
    for name in instances:
        rate = prices.instance(name).per_hour
        sheet.add_row(name, cell(rate.value, price(rate.value)), "per hour", rate.provenance)
    return sheet


def region_warning(prices: Prices, region: str) -> str | None:
    """A warning when the price file is for another region than ``region``."""
    if prices.region == region:
        return None
    return (
        f"the price file is for {prices.region}, the endpoint is in {region}: every figure uses "
        f"{prices.region} rates; pass --prices with {region}'s rates"
    )


def free_tier_note(prices: Prices) -> str:
    """The figures leave AWS's free tier out: say so, with its terms."""
    free = prices.free_tier
    return (
        f"Free tier left out: {free.seconds_per_month:,.0f} s of on-demand serverless inference "
        f"a month for an account's first {free.first_months} months ({free.source})."
    )
