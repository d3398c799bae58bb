"""The Powertools logger, tracer and metrics every function shares.

Service name, metrics namespace and log level come from the POWERTOOLS_* environment
variables the stack sets, so one instance serves every handler in the layer.

The tracer's X-Ray recorder is loaded on first use, not at import: importing
`aws_xray_sdk.core` builds a botocore X-Ray client for centralized sampling (unused in
Lambda, which decides sampling itself), a large share of a handler's import time. The
decorators (`capture_lambda_handler`, `capture_method`) apply at import as usual; the
recorder loads, and the modules are patched, when the first traced call begins.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider

NAMESPACE = "FreshConnect/PurchaseOrders"


class LazyXRayProvider(BaseProvider):
    """The X-Ray recorder as a Powertools tracing provider, imported on first use.

    Patch requests made before then (the Tracer's auto-patch at construction) are
    replayed at load, before the first subsegment opens, so every AWS and HTTP call
    made while handling an event is still traced.
    """

    def __init__(self) -> None:
        self._recorder: Any = None
        self._lock = threading.Lock()
        self._pending_patches: list[Sequence[str] | None] = []  # None: patch all

    def _xray(self) -> Any:
        if self._recorder is None:
            with self._lock:
                if self._recorder is None:
                    from aws_xray_sdk import global_sdk_config  # noqa: PLC0415
                    from aws_xray_sdk.core import patch, patch_all, xray_recorder  # noqa: PLC0415

                    if global_sdk_config.sdk_enabled():
                        # What Tracer does for its own X-Ray provider: send subsegments
                        # as they close, not batched (Powertools issue #283).
                        xray_recorder.configure(streaming_threshold=0)
                    for modules in self._pending_patches:
                        if modules is None:
                            patch_all()
                        else:
                            patch(modules)
                    self._pending_patches.clear()
                    self._recorder = xray_recorder
        return self._recorder

    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> AbstractContextManager[Any]:  # type: ignore[override]
        return self._xray().in_subsegment(name=name, **kwargs)  # type: ignore[no-any-return]

    def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AbstractAsyncContextManager[Any]:
        return self._xray().in_subsegment_async(name=name, **kwargs)  # type: ignore[no-any-return]

    def put_annotation(self, key: str, value: Any) -> None:
        self._xray().put_annotation(key=key, value=value)

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self._xray().put_metadata(key=key, value=value, namespace=namespace)

    def patch(self, modules: Sequence[str]) -> None:
        self._patch_later_or_now(list(modules))

    def patch_all(self) -> None:
        self._patch_later_or_now(None)

    def _patch_later_or_now(self, modules: Sequence[str] | None) -> None:
        with self._lock:
            if self._recorder is None:
                self._pending_patches.append(modules)
                return
        from aws_xray_sdk.core import patch, patch_all  # noqa: PLC0415

        if modules is None:
            patch_all()
        else:
            patch(modules)

    def __getattr__(self, name: str) -> Any:
        # The rest of the recorder's API (current_subsegment, ...) for code that reaches
        # through `tracer.provider`.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._xray(), name)


logger = Logger()
tracer = Tracer(provider=LazyXRayProvider())
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE))
