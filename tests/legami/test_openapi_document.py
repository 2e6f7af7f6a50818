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
