#!/usr/bin/env python3
"""The CDK app: one stack per stage, chosen with `-c stage=dev|prod`.

Synth makes no AWS calls. `-c bundle_layer=false` skips pip-bundling the layer (tests).
"""

from __future__ import annotations

import sys

from aws_cdk import App

from infrastructure.app_builder import build_stack
from infrastructure.stage_settings import StageSettingsError

app = App()
try:
    build_stack(app)
except StageSettingsError as error:
    # A wrong or missing stage setting is the operator's to fix: one clear line, no traceback.
    sys.exit(f"cdk.json: {error}")
app.synth()
