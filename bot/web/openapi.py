"""The OpenAPI 3.0 document of the REST API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from bot.domain.incident import Category, Status
from bot.domain.messages import ChannelKind
from bot.domain.sla import Severity
from bot.web.forms import URGENCY
from bot.web.verbs import VERBS

_ERROR = {"$ref": "#/components/schemas/Error"}
_STR = {"type": "string"}
_NULL_STR = {"type": "string", "nullable": True}
_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _responses(ok: int, schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    out: dict[str, Any] = {str(ok): {"description": "成功",
                                     "content": {"application/json": {"schema": schema}}}}
    for code in (401, *codes):
        out[str(code)] = {"description": "错误", "content": {"application/json": {"schema": _ERROR}}}
    return out


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or _STR}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    incident = {"type": "object", "properties": {
        "number": _STR, "title": _STR, "description": _STR,
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "severity": {"type": "string", "enum": [s.value for s in Severity]},
        "category": {"type": "string", "enum": [c.value for c in Category]},
        "channel": {"type": "string", "enum": [c.value for c in ChannelKind]},
        "owner": _NULL_STR, "assignee": _NULL_STR, "reported_at": _TIME,
        "response_due_at": _TIME, "plan_due_at": _TIME, "resolved_at": _TIME,
        "closed_at": _TIME, "resolution": _NULL_STR, "duplicate_of": _NULL_STR,
        "tracking_url": _STR}, "required": ["number", "status", "severity"]}
    new_incident = {"type": "object", "required": ["name", "unit", "site", "description"],
                    "properties": {
                        "name": _STR, "unit": _STR, "site": _STR, "phone": _STR, "email": _STR,
                        "qq": _STR, "description": _STR, "external_id": _STR,
                        "category": {"type": "string", "enum": [c.value for c in Category]},
                        "urgency": {"type": "string", "enum": list(URGENCY)}},
                    "description": "电话、邮箱、QQ 至少填写一项。"}
    return {
        "Error": {"type": "object", "properties": {"error": _STR, "status": {"type": "integer"},
                                                   "fields": {"type": "object"}},
                  "required": ["error"]},
        "Incident": incident,
        "IncidentDetail": {"allOf": [{"$ref": "#/components/schemas/Incident"}, {
            "type": "object", "properties": {
                "requester": {"type": "object", "nullable": True},
                "timeline": {"type": "array", "items": {"type": "object"}},
                "messages": {"type": "array", "items": {"type": "object"}}}}]},
        "NewIncident": new_incident,
        "LedgerPage": {"type": "object", "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "pages": {"type": "integer"}, "per_page": {"type": "integer"},
            "items": {"type": "array", "items": {"type": "object"}}}},
        "Ok": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
    }


def _incident_paths() -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Incident"}
    filters = [_query("status", {"type": "string", "enum": [s.value for s in Status]}, "状态"),
               _query("severity", {"type": "string", "enum": [s.value for s in Severity]}, "级别"),
               _query("category", {"type": "string", "enum": [c.value for c in Category]}, "类别"),
               _query("channel", {"type": "string", "enum": [c.value for c in ChannelKind]}, "渠道"),
               _query("owner", _STR, "负责人用户名（me 表示令牌账号）"),
               _query("overdue", {"type": "string", "enum": ["1", "0"]}, "只看超时"),
               _query("open", {"type": "string", "enum": ["1", "0"]}, "只看未关闭"),
               _query("q", _STR, "按工单号或文字搜索"),
               _query("page", {"type": "integer", "minimum": 1}, "页码"),
               _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "每页条数")]
    action_body = {"type": "object", "description": "参数随操作而定", "properties": {
        name: _STR for verb in VERBS.values() for name in verb.params}}
    return {
        "/incidents": {
            "get": {"summary": "查询台帐", "parameters": filters,
                    "responses": _responses(200, {"$ref": "#/components/schemas/LedgerPage"})},
            "post": {"summary": "新建工单", "requestBody": _body(
                {"$ref": "#/components/schemas/NewIncident"}),
                "responses": {**_responses(201, ref, 400, 422),
                              "200": {"description": "重复提交（同一 external_id）",
                                      "content": {"application/json": {"schema": ref}}}}}},
        "/incidents/{number}": {"get": {
            "summary": "工单详情（含时间线和消息）", "parameters": [_path("number")],
            "responses": _responses(200, {"$ref": "#/components/schemas/IncidentDetail"}, 404)}},
        "/incidents/{number}/actions/{verb}": {"post": {
            "summary": "执行操作", "parameters": [
                _path("number"), _path("verb", {"type": "string", "enum": list(VERBS)})],
            "requestBody": _body(action_body),
            "responses": _responses(200, ref, 400, 403, 404, 409, 422)}},
    }


def _other_paths() -> dict[str, Any]:
    ok = {"$ref": "#/components/schemas/Ok"}
    return {
        "/dead-letters": {"get": {"summary": "无法投递的通知", "responses": _responses(
            200, {"type": "object", "properties": {"items": {"type": "array",
                                                              "items": {"type": "object"}}}},
            403)}},
        "/dead-letters/{id}/retry": {"post": {
            "summary": "重新投递", "parameters": [_path("id", {"type": "integer"})],
            "responses": _responses(200, ok, 403, 422)}},
        "/contacts/merge": {"post": {"summary": "合并联系人", "requestBody": _body(
            {"type": "object", "required": ["keep_id", "drop_id"],
             "properties": {"keep_id": {"type": "integer"}, "drop_id": {"type": "integer"}}}),
            "responses": _responses(200, ok, 400, 403, 404, 422)}},
        "/contacts/{id}/identities": {"post": {
            "summary": "为联系人添加联系方式", "parameters": [_path("id", {"type": "integer"})],
            "requestBody": _body({"type": "object", "required": ["kind", "value"], "properties": {
                "kind": {"type": "string", "enum": ["qq", "email", "phone"]}, "value": _STR}}),
            "responses": _responses(200, ok, 400, 403, 404, 422)}},
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    """The whole document, with the server at ``base_url``/api/v1."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "网站群服务台 SiteDesk API", "version": "1.0.0",
                 "description": "报修工单的创建、查询与处理。所有接口都需要 Bearer 令牌。"},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": _schemas()},
        "paths": {**_incident_paths(), **_other_paths()},
    }
