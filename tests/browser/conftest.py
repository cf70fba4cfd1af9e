"""A real server on a free port and a real headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    from lms import create_app

    # The same database as the suite, but CSRF on, exactly as in production.
    served = create_app(dict(app.config, WTF_CSRF_ENABLED=True, TESTING=False, SERVER_NAME=None))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    requests_elsewhere: list[str] = []

    def watch(request):
        if not request.url.startswith(live_server) and not request.url.startswith("data:"):
            requests_elsewhere.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    yield page
    context.close()
    assert requests_elsewhere == [], f"requests to other hosts: {requests_elsewhere}"


def sign_in(page, number: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=personnel_number]", number)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
