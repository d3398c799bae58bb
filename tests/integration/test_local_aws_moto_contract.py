"""Fails when moto changes under sandbox/local_aws/moto_adaptations.py.

Each test pins one fact an adaptation relies on: the patched attribute still exists with
the signature we replace, or the gap we fill is still a gap (if moto fills it, delete the
adaptation rather than patching over moto's own support).
"""

from __future__ import annotations

import inspect

import moto
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.core.config import default_user_config
from moto.kms.models import Key
from moto.sqs.models import Queue
from moto.stepfunctions.models import StateMachine

from sandbox.local_aws import moto_adaptations


def test_moto_is_the_version_the_adaptations_were_written_for():
    assert moto.__version__ == moto_adaptations.MOTO_VERSION


def test_invoke_lambda_is_still_the_single_hook_with_the_same_signature():
    signature = inspect.signature(LambdaFunction._invoke_lambda)
    assert list(signature.parameters) == ["self", "event"]
    assert "self._invoke_lambda(event=body)" in inspect.getsource(LambdaFunction.invoke)


def test_moto_still_has_no_cloudformation_model_for_the_types_we_fill():
    supported = parsing.get_model_map()
    for resource_type in moto_adaptations.FILLED_RESOURCE_TYPES:
        assert resource_type not in supported, f"moto now supports {resource_type}"
    assert parsing.resource_class_from_type("AWS::SecretsManager::Secret") is None
    assert "resource_class_from_type(resource_type)" in inspect.getsource(parsing.parse_resource)


def test_cloudformation_state_machines_still_skip_the_executing_backend():
    source = inspect.getsource(StateMachine.create_from_cloudformation_json)
    assert "stepfunctions_backends[account_id][region_name]" in source
    assert "DefinitionSubstitutions" not in source
    assert default_user_config["stepfunctions"] == {"execute_state_machine": False}


def test_sqs_still_pushes_to_event_source_mappings_on_send():
    assert "lambda_event_source_mappings" in inspect.getsource(Queue.add_message)
    signature = inspect.signature(LambdaBackend.create_event_source_mapping)
    assert list(signature.parameters) == ["self", "spec"]


def test_models_whose_ref_we_supply_still_have_no_physical_resource_id():
    for model, _ in moto_adaptations._ref_values().values():
        assert not hasattr(model, "physical_resource_id"), model


def test_kms_cloudformation_still_passes_tags_through_untranslated():
    source = inspect.getsource(Key.create_from_cloudformation_json)
    assert 'tags=properties.get("Tags", [])' in source


def test_custom_resources_still_wait_for_a_response_url():
    assert "ResponseURL" in inspect.getsource(CustomModel.create_from_cloudformation_json)


def test_adaptations_are_removed_when_the_block_ends():
    original = LambdaFunction._invoke_lambda
    with moto_adaptations.adapted_moto(lambda fn, event: ("{}", False, "")):
        assert LambdaFunction._invoke_lambda is not original
        assert parsing.resource_class_from_type("AWS::SecretsManager::Secret") is not None
    assert LambdaFunction._invoke_lambda is original
    assert parsing.resource_class_from_type("AWS::SecretsManager::Secret") is None
