#!/usr/bin/env python3
"""The CDK app: one stack per environment in cdk.json (``-c env=dev`` picks one).

An invalid configuration ends the app with the loader's message on stderr and exit status 1,
which `cdk synth` shows as it is, without a Python traceback in front of it.
"""

import sys

from aws_cdk import App

from stacks import build_app
from stacks.config import ConfigurationError

app = App()
try:
    build_app(app)
except ConfigurationError as error:
    sys.exit(str(error))
app.synth()
