#!/usr/bin/env python3
"""The CDK app: one stack per stage, chosen with `-c stage=dev|prod`.

Synth makes no AWS calls. `-c bundle_layer=false` skips pip-bundling the layer (tests).
"""

from __future__ import annotations

from aws_cdk import App

from infrastructure.app_builder import build_stack

app = App()
build_stack(app)
app.synth()
