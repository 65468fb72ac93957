"""The web channel in a real browser: form → tracking page → console → confirmation; XSS inert."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.web.conftest import PASSWORD, SITES
from tests.integration.web.live import live_desk

pytestmark = pytest.mark.integration
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
# Phone-sized screenshots for a person to look at; outside the repository.
SHOTS = Path(os.environ.get("DESK_SCREENSHOT_DIR") or tempfile.gettempdir()) / "sitedesk-screenshots"


def fill_form(page: Any, description: str) -> None:
    """Fill the repair form the way a requester would."""
    page.fill("input[name=name]", "张老师")
    page.fill("input[name=unit]", "教务处")
    page.select_option("select[name=site]", SITES[1])
    page.fill("input[name=email]", "zhang@example.edu.cn")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", description)


def test_form_console_and_confirmation(browser: Any, tmp_path: Path) -> None:
    """Submit, reach the tracking page, take and resolve as staff, confirm as the requester."""
    dialogs: list[str] = []
    with live_desk(tmp_path, min_fill_time="1s") as (base, _runtime):
        requester = browser.new_context(**PHONE)
        page = requester.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/baoxiu")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "form-phone.png"), full_page=True)
        fill_form(page, f"首页打不开 {HOSTILE}")
        time.sleep(1.1)  # the minimum fill time
        page.click("button[type=submit]")
        page.wait_for_selector("#submitted")
        assert "2026-0001" in page.inner_text("#submitted")
        tracking = page.url.split("?")[0]
        assert re.search(r"/t/[A-Za-z0-9_-]{20,}$", tracking)
        assert HOSTILE in page.inner_text("main")  # shown as text, never run

        staff = browser.new_context(**PHONE)
        console = staff.new_page()
        console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        console.goto(f"{base}/console")
        console.fill("input[name=username]", "li")
        console.fill("input[name=password]", PASSWORD)
        console.click("button[type=submit]")
        console.wait_for_url(re.compile(r".*/console$"))
        console.fill("input[name=q]", "首页打不开")
        console.click("form.filters button[type=submit]")
        console.click("text=2026-0001")
        console.wait_for_selector("#status")
        console.screenshot(path=str(SHOTS / "console-phone.png"), full_page=True)
        console.click("button[value=take]")
        console.wait_for_selector("text=操作已完成")
        assert console.inner_text("#status") == "已受理"
        console.fill("#resolve-note", "已重启网站服务")
        console.click("button[value=resolve]")
        console.wait_for_selector("text=操作已完成")
        assert console.inner_text("#status") == "已解决待确认"
        assert HOSTILE in console.inner_text("main")

        page.goto(tracking)
        page.click("#confirm-button")
        page.wait_for_selector("text=感谢确认")
        assert "已关闭" in page.inner_text("main")
        assert dialogs == []


def test_hostile_payload_in_console_ledger_is_inert(browser: Any, tmp_path: Path) -> None:
    """An <img onerror> in a title fires nothing on the ledger page."""
    with live_desk(tmp_path, min_fill_time="0s") as (base, _runtime):
        context = browser.new_context()
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/baoxiu")
        fill_form(page, HOSTILE)
        page.click("button[type=submit]")
        page.wait_for_selector("#submitted")
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "desk")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/console$"))
        assert "<script>alert(1)</script>" in page.inner_text("table.ledger")
        assert page.locator("img[src=x]").count() == 0
        assert dialogs == []
