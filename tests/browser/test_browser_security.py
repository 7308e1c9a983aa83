"""The browser enforces what the site's headers ask: an inline script slipped into a page
does not run, an HTML string cannot reach a DOM sink (Trusted Types), the session is only
the HttpOnly cookie (nothing in storage), and every change the pages send carries the CSRF
token."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_site_pages import log_in, site, user  # noqa: F401 - fixtures
from tests.webui.test_api_journeys import PASSWORD


@pytest.fixture
def console(tab):
    messages: list[str] = []
    tab.page.on("console", lambda m: messages.append(m.text))
    return messages


def test_an_injected_inline_script_does_not_run(tab, site, console):  # noqa: F811
    def inject(route):
        response = route.fetch()
        html = response.text().replace("</body>", "<script>window.pwned = 1</script></body>")
        route.fulfill(response=response, body=html)
    tab.page.route(re.compile(r".*/login$"), inject)
    tab.goto(site.url + "/login")
    assert "window.pwned = 1" in tab.page.content()
    assert tab.page.evaluate("typeof window.pwned") == "undefined"
    assert any("inline script" in m and "Content Security Policy" in m for m in console), console


def test_html_strings_cannot_reach_dom_sinks(tab, site, console):  # noqa: F811
    tab.goto(site.url + "/")
    for sink in ("document.getElementById('main').innerHTML = '<img src=x onerror=alert(1)>'",
                 "document.body.insertAdjacentHTML('beforeend', '<b>x</b>')",
                 "document.createElement('script').text = 'window.pwned = 1'",
                 "new DOMParser().parseFromString('<b>x</b>', 'text/html')"):
        error = tab.page.evaluate(f"() => {{ try {{ {sink}; return null }} "
                                  "catch (e) { return e.name + ': ' + e.message } }")
        assert error and error.startswith("TypeError") and "Trusted" in error, (sink, error)
    assert tab.page.locator("main img").count() == 0
    assert any("TrustedHTML" in m or "Trusted Type" in m for m in console), console


def test_session_only_in_the_cookie_and_csrf_on_every_change(tab, site, user):  # noqa: F811
    changes = []
    tab.page.on("request", lambda r: r.method not in ("GET", "HEAD") and "/api/" in r.url
                and changes.append((r.method, r.url, r.headers.get("x-csrf-token"))))
    log_in(tab, site, user)
    page = tab.page
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert "session" not in page.evaluate("document.cookie")
    cookie = next(c for c in page.context.cookies() if "session" in c["name"])
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    tab.goto(site.url + f"/domains/{user['label']}.example")
    page.get_by_label("Update").check()
    page.get_by_role("button", name="Save locks").click()
    page.locator("#overview .badge", has_text="clientUpdateProhibited").wait_for()
    # after a reload the page asks the API for the token again: still nothing stored
    page.reload()
    tab.ready()
    page.get_by_label("Update").uncheck()
    page.get_by_role("button", name="Save locks").click()
    page.locator("#overview .badge", has_text="clientUpdateProhibited").wait_for(state="detached")
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    login, *rest = changes
    assert login[:2] == ("POST", site.url + "/api/session")
    assert len(rest) == 2 and all(token for _, _, token in rest), changes


def test_an_ended_session_leads_to_the_login_and_back(tab, site, user):  # noqa: F811
    log_in(tab, site, user)
    page = tab.page
    page.context.clear_cookies()  # as if the session expired while the page was open
    page.get_by_role("link", name="Orders").click()
    page.wait_for_url(re.compile(r"/login\?next=%2Forders$"))
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/orders$"))
    page.locator("h1", has_text="Orders").wait_for()
