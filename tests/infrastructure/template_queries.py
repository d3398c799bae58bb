"""Small readers over a synthesized CloudFormation template, for the infrastructure tests."""

from __future__ import annotations

from typing import Any

Template = dict[str, Any]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def of_type(template: Template, cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def functions(template: Template) -> dict[str, dict[str, Any]]:
    """Deployed function name -> properties."""
    return {
        v["Properties"]["FunctionName"]: v["Properties"]
        for v in of_type(template, "AWS::Lambda::Function").values()
    }


def handler_name(function_name: str) -> str:
    """`fc-po-dev-submit-po` -> `submit_po`."""
    return function_name.split("-", 3)[3].replace("-", "_")


def role_statements(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in of_type(template, "AWS::IAM::Policy").values():
        roles = [r.get("Ref") for r in policy["Properties"].get("Roles", [])]
        if role_logical_id in roles:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    role = template["Resources"][role_logical_id]["Properties"]
    for inline in role.get("Policies", []):
        statements.extend(inline["PolicyDocument"]["Statement"])
    return statements


def function_statements(template: Template) -> dict[str, list[dict[str, Any]]]:
    """Handler name -> every statement of its role."""
    return {
        handler_name(name): role_statements(template, props["Role"]["Fn::GetAtt"][0])
        for name, props in functions(template).items()
    }


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def resources_for(statements: list[dict[str, Any]], action: str) -> list[Any]:
    return [
        r
        for s in statements
        if s["Effect"] == "Allow" and action in as_list(s["Action"])
        for r in as_list(s["Resource"])
    ]


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether a CloudFormation value (Ref, GetAtt, Join) points at `logical_id`."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] == logical_id:
            return True
        return any(refers_to(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(refers_to(v, logical_id) for v in value)
    return False


def logical_id_of(template: Template, cfn_type: str, **properties: Any) -> str:
    matches = [
        k
        for k, v in of_type(template, cfn_type).items()
        if all(v["Properties"].get(p) == want for p, want in properties.items())
    ]
    assert len(matches) == 1, f"expected one {cfn_type} with {properties}, found {matches}"
    return matches[0]
