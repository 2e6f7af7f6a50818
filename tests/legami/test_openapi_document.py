"""The OpenAPI document (legami/openapi.py): error answers, files and component names."""

from __future__ import annotations

from typing import Any

from app.web.downloads import CSV, DOCX, XLSX

PROBLEM = {"$ref": "#/components/schemas/Problem"}


async def _document(client: Any) -> dict[str, Any]:
    return (await client.get("/api/schema/openapi.json")).json()


async def test_every_api_operation_documents_its_errors_with_the_error_body(client) -> None:
    paths = (await _document(client))["paths"]
    operations = [(path, method, operation) for path, item in paths.items()
                  if path.startswith("/api/v1/") for method, operation in item.items()]
    assert len(operations) > 100
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "400" not in responses, (method, path)  # invalid input answers 422
        assert {"401", "503"} <= set(responses), (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert {"403", "422"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        for status, response in responses.items():
            if status >= "400":
                assert response["content"]["application/json"]["schema"] == PROBLEM


async def test_an_error_answers_the_documented_body(client) -> None:
    document = await _document(client)
    problem = document["components"]["schemas"]["Problem"]
    body = (await client.get("/api/v1/me")).json()
    assert set(problem["required"]) <= set(body) <= set(problem["properties"])
    assert body["status"] == 401


async def test_files_are_documented_with_their_media_type(client) -> None:
    paths = (await _document(client))["paths"]
    files = {
        "/api/v1/schools/{school_id}/report.docx": ("get", DOCX),
        "/api/v1/civic-centers/{center_id}/report.docx": ("get", DOCX),
        "/api/v1/labs/{lab_id}/report.docx": ("get", DOCX),
        "/api/v1/program/report.docx": ("get", DOCX),
        "/api/v1/reports/{report_id}/file": ("get", DOCX),
        "/api/v1/waves/{wave_id}/codes": ("post", DOCX),
        "/api/v1/reports/waves/{wave_id}/tables.csv": ("get", CSV),
        "/api/v1/activities/{activity_id}/roster.csv": ("get", CSV),
        "/api/v1/reports/waves/{wave_id}/tables.xlsx": ("get", XLSX),
    }
    for path, (method, media_type) in files.items():
        success = paths[path][method]["responses"]["200"]
        assert list(success["content"]) == [media_type], path


async def test_a_body_with_a_field_too_many_is_not_called_valid(client) -> None:
    schemas = (await _document(client))["components"]["schemas"]
    assert schemas["LabCreate"]["additionalProperties"] is False


async def test_component_names_stay_those_clients_were_generated_from(client) -> None:
    """The layout move (issue 15) renamed three of them; they are back, and no other
    component is named after its module."""
    names = set((await _document(client))["components"]["schemas"])
    qualified = {name for name in names if "_" in name}
    assert qualified == {"civic_family_schemas_ConsentOut", "civic_family_schemas_ImportProblem",
                         "company_portal_roster_ImportProblem", "pacts_pacts_schemas_ConsentOut"}


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


async def test_every_pattern_means_the_same_to_the_api_and_to_its_clients(client) -> None:
    """A pattern is checked by Python (msgspec) and read by clients as an ECMA regular
    expression, whose spaces differ: '\\x1c' is a space to Python only, '\\ufeff' to ECMA
    only. A text the document calls valid was refused ('hr_email: missing or not valid')
    until every pattern left both sets out; a text checked in both ways shows it."""
    import re

    document = (await client.get("/api/schema/openapi.json")).json()
    patterns = set(_patterns(document))
    assert patterns
    for pattern in patterns:
        assert "\\S" not in pattern.replace("[\\s\\S]", ""), pattern
        for spaces in re.findall(r"\[\^[^\]]*\\s[^\]]*\]", pattern):
            assert "\\x1c-\\x1f\\x85\\ufeff" in spaces, pattern
        for text in ("\x1c", "\ufeff", " \x1c\x85\ufeff "):  # blank to one side
            assert not re.search(pattern, text), (pattern, text)
