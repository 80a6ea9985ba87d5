#!/usr/bin/env python3
"""The CDK app: one stack per environment in cdk.json (``-c env=dev`` picks one)."""

from aws_cdk import App

from stacks import build_app

app = App()
build_app(app)
app.synth()
