"""The REST API: bearer tokens, create/list/get/act, the OpenAPI document, and a fuzz run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.web.conftest import API_TOKEN, Desk, repair_data

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_token_required(desk: Desk) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-000000000"},
                    {"Authorization": "Basic abc"}):
        resp = await desk.client.get("/api/v1/incidents", headers=headers)
        assert resp.status == 401 and (await resp.json())["error"] == "缺少或无效的访问令牌。"
    assert (await desk.client.get("/api/v1/openapi.json")).status == 200


async def test_create_list_get_and_act(desk: Desk) -> None:
    body = {**repair_data(), "external_id": "oa-4711"}
    created = await desk.client.post("/api/v1/incidents", json=body, headers=AUTH)
    assert created.status == 201
    data = await created.json()
    assert data["number"] == "2026-0001" and data["channel"] == "api" and data["created"]
    again = await desk.client.post("/api/v1/incidents", json=body, headers=AUTH)
    assert again.status == 200 and (await again.json())["duplicate"] is True
    bad = await desk.client.post("/api/v1/incidents", json={"name": "x"}, headers=AUTH)
    assert bad.status == 422 and "请至少填写一种联系方式" in (await bad.json())["error"]
    listed = await (await desk.client.get("/api/v1/incidents?status=new", headers=AUTH)).json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == "2026-0001"
    took = await desk.client.post("/api/v1/incidents/2026-0001/actions/take", json={},
                                  headers=AUTH)
    assert took.status == 200 and (await took.json())["status"] == "acknowledged"
    sev = await desk.client.post("/api/v1/incidents/2026-0001/actions/set_severity",
                                 json={"severity": "l3"}, headers=AUTH)
    assert (await sev.json())["severity"] == "l3"
    illegal = await desk.client.post("/api/v1/incidents/2026-0001/actions/start_work", json={},
                                     headers=AUTH)
    assert illegal.status == 409
    full = await (await desk.client.get("/api/v1/incidents/2026-0001", headers=AUTH)).json()
    kinds = [e["kind"] for e in full["timeline"]]
    assert kinds[0] == "opened" and "taken" in kinds and "severity_changed" in kinds
    assert full["messages"][0]["text"] == repair_data()["description"]
    missing = await desk.client.get("/api/v1/incidents/2026-9999", headers=AUTH)
    assert missing.status == 404 and "找不到工单" in (await missing.json())["error"]


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    """Fuzz every operation against a live server; no response may be a 5xx."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    from tests.integration.web.live import live_desk

    with live_desk(tmp_path) as (base, _runtime):
        schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(max_examples=25, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                response = case.call(headers=AUTH)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> "
                                    f"{response.status_code}")
                case.validate_response(response, checks=[not_a_server_error])

            run()
        assert failures == []
