"""Fixtures: the default app synthesized once per session, as `cdk synth` builds it."""

import os

# Node 20 works with this jsii, which prints an end-of-life banner on every start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template
from aws_cdk.cx_api import CloudAssembly

from tests.cdk_helpers import build_default_app, linted_template


@dataclass(frozen=True)
class SynthesizedApp:
    """The default app after synthesis (cdk-nag ran as part of it)."""

    assembly: CloudAssembly
    stacks: dict[str, Stack]
    templates: dict[str, Template]

    def template_json(self, environment: str) -> dict[str, Any]:
        """The raw template of one environment."""
        return dict(self.templates[environment].to_json())


@pytest.fixture(scope="session")
def default_app() -> SynthesizedApp:
    """Every environment of cdk.json, synthesized once; each template linted."""
    app, stacks = build_default_app()
    assembly = app.synth()
    templates = {name: linted_template(stack) for name, stack in stacks.items()}
    return SynthesizedApp(assembly=assembly, stacks=stacks, templates=templates)


@pytest.fixture(scope="session")
def dev_template(default_app: SynthesizedApp) -> Template:
    """The template of the `dev` environment, the default stack."""
    return default_app.templates["dev"]
