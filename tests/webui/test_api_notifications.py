"""Notifications through the JSON API: every message the site sends a user is listed,
newest first, with its subject and a link within the site (never the mail's tokens), even
when the user does not want it mailed; marking them read, one by one or all."""

from __future__ import annotations

from tests.webui.api_client import ApiClient
from tests.webui.test_api_journeys import new_user


def test_notifications_list_and_mark_read(site):
    client, _ = new_user(site, funds=5000)
    listed = client.get("/api/notifications")
    assert listed.status == 200
    (verify,) = listed.body["notifications"]
    assert listed.body["unread"] == 1
    assert (verify["kind"], verify["subject"], verify["link"], verify["read"]) == (
        "verify", "Confirm your email address", "/account", False)
    assert "token" not in str(listed.body)

    # receipts not mailed: still notified
    assert client.request("PUT", "/api/account/mail-preferences",
                          {"opt_outs": ["receipt"]}).status == 200
    order = client.post("/api/orders", {"items": [{"name": "notified.example"}]})
    assert order.status == 201 and order.body["status"] == "done"
    newest = client.get("/api/notifications").body
    assert newest["unread"] == 2
    receipt = newest["notifications"][0]
    assert (receipt["kind"], receipt["subject"], receipt["link"]) == (
        "receipt", f"Receipt for order {order.body['id']}", f"/orders/{order.body['id']}")
    assert [n["id"] for n in newest["notifications"]] == [receipt["id"], verify["id"]]

    # another user's ids change nothing of theirs
    other, _ = new_user(site)
    assert other.post("/api/notifications/read", {"ids": [receipt["id"]]}).body == {
        "unread": 1}
    assert client.get("/api/notifications").body["unread"] == 2

    read = client.post("/api/notifications/read", {"ids": [receipt["id"]]})
    assert read.status == 200 and read.body == {"unread": 1}
    unread = client.get("/api/notifications?unread=1").body
    assert [n["id"] for n in unread["notifications"]] == [verify["id"]]
    assert client.post("/api/notifications/read", {"all": True}).body == {"unread": 0}
    assert all(n["read"] for n in client.get("/api/notifications").body["notifications"])


def test_marking_read_refuses_bad_input(site):
    client, _ = new_user(site)
    for body in ({}, {"ids": "1"}, {"ids": [True]}, {"ids": list(range(1, 502))},
                 {"ids": [2**64]}, {"all": "yes"}):
        answer = client.post("/api/notifications/read", body)
        assert answer.status == 400, body
        assert answer.problem["detail"]
    assert client.get("/api/notifications").body["unread"] == 1
    assert ApiClient(site.url).get("/api/notifications").status == 401


def test_a_read_key_lists_and_marks_read(site):
    client, _ = new_user(site)
    made = client.post("/api/account/api-keys", {"name": "reader", "scopes": ["read"]})
    bearer = {"Authorization": f"Bearer {made.body['key']}"}
    robot = ApiClient(site.url)
    listed = robot.get("/api/notifications", headers=bearer).body
    assert [n["kind"] for n in listed["notifications"]] == ["api_key_created", "verify"]
    assert listed["notifications"][0]["subject"] == "A new API key: reader"
    assert robot.post("/api/notifications/read", {"all": True},
                      headers=bearer).body == {"unread": 0}
