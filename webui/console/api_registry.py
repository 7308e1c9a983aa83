"""The console's registry side: TLDs, prices, premium and reserved names, registrars and
their money, domains, zones, the outbox and poll queues."""

from __future__ import annotations

from aiohttp import web

from ..render import json_response
from ..routing import Api, Call
from ..schemas import BOOL, INT, STR, obj
from .params import LIST, admin_route, console, flag, int_query, path

REASON = {"reason": STR}


def registry_routes(api: Api) -> None:
    def route(method, p, summary, **kw):
        return admin_route(api, method, p, summary, **kw)

    # -- TLDs ---------------------------------------------------------------------------

    @route("GET", "/api/admin/tlds", "TLDs with their policy and prices", response=LIST)
    async def admin_tlds(call: Call) -> web.Response:
        return json_response(await call.run(console(call).tlds, call.principal))

    @route("POST", "/api/admin/tlds", "Create a TLD (superuser)", status=201,
           body=obj(("name",), name=STR, policy={"type": "object"}))
    async def admin_tld_add(call: Call) -> web.Response:
        return json_response(await call.run(console(call).add_tld, call.principal,
                                            call.body.get("name"), call.body.get("policy")),
                             201)

    @route("GET", "/api/admin/tlds/{tld}", "A TLD: policy, prices, premium rules, reserved "
           "names, DNS settings")
    async def admin_tld(call: Call) -> web.Response:
        return json_response(await call.run(console(call).tld, call.principal,
                                            path(call, "tld")))

    @route("PATCH", "/api/admin/tlds/{tld}", "Change a TLD's policy (superuser)",
           body=obj(("policy",), policy={"type": "object"}))
    async def admin_tld_policy(call: Call) -> web.Response:
        return json_response(await call.run(console(call).set_policy, call.principal,
                                            path(call, "tld"), call.body.get("policy")))

    @route("PUT", "/api/admin/tlds/{tld}/prices", "Set a standard price per year (superuser)",
           body=obj(("operation", "currency", "amount"), operation=STR, currency=STR,
                    amount=INT))
    async def admin_tld_price(call: Call) -> web.Response:
        b = call.body
        return json_response(await call.run(console(call).set_price, call.principal,
                                            path(call, "tld"), b.get("operation"),
                                            b.get("currency"), b.get("amount")))

    @route("POST", "/api/admin/tlds/{tld}/premium", "Add a premium rule: an exact label or "
           "a regular expression, with prices per operation (superuser)", status=201,
           body=obj(("pattern", "prices"), pattern=STR, regex=BOOL, class_name=STR,
                    currency=STR, prices={"type": "object"}))
    async def admin_premium_add(call: Call) -> web.Response:
        return json_response(await call.run(console(call).add_premium, call.principal,
                                            path(call, "tld"), call.body), 201)

    @route("DELETE", "/api/admin/tlds/{tld}/premium/{rule_id}", "Remove a premium rule "
           "(superuser)", status=204, response=None)
    async def admin_premium_remove(call: Call) -> web.Response:
        await call.run(console(call).remove_premium, call.principal, path(call, "tld"),
                       call.int_path("rule_id"))
        return web.Response(status=204)

    @route("GET", "/api/admin/tlds/{tld}/premium-test", "Which premium rule a name hits, and "
           "its prices", query=("name", "currency"))
    async def admin_premium_test(call: Call) -> web.Response:
        return json_response(await call.run(console(call).premium_test, call.principal,
                                            path(call, "tld"), call.query("name"),
                                            call.query("currency")))

    @route("POST", "/api/admin/tlds/{tld}/reserved", "Reserve a label (superuser)",
           status=204, response=None, body=obj(("label",), label=STR, **REASON))
    async def admin_reserve(call: Call) -> web.Response:
        await call.run(console(call).add_reserved, call.principal, path(call, "tld"),
                       call.body.get("label"), call.body.get("reason"))
        return web.Response(status=204)

    @route("DELETE", "/api/admin/tlds/{tld}/reserved/{label}", "Release a reserved label "
           "(superuser)", status=204, response=None)
    async def admin_unreserve(call: Call) -> web.Response:
        await call.run(console(call).remove_reserved, call.principal, path(call, "tld"),
                       path(call, "label"))
        return web.Response(status=204)

    # -- registrars ---------------------------------------------------------------------

    @route("GET", "/api/admin/registrars", "Registrars with their balance and credit",
           response=LIST)
    async def admin_registrars(call: Call) -> web.Response:
        return json_response(await call.run(console(call).registrars, call.principal))

    @route("POST", "/api/admin/registrars", "Create a registrar (superuser)", status=201,
           body=obj(("clid", "password"), clid=STR, password=STR, name=STR, email=STR,
                    currency=STR, credit_limit=INT))
    async def admin_registrar_add(call: Call) -> web.Response:
        return json_response(await call.run(console(call).add_registrar, call.principal,
                                            call.body), 201)

    @route("GET", "/api/admin/registrars/{clid}", "A registrar: settings, balance, recent "
           "ledger, poll queue, names")
    async def admin_registrar(call: Call) -> web.Response:
        return json_response(await call.run(console(call).registrar, call.principal,
                                            path(call, "clid")))

    @route("PATCH", "/api/admin/registrars/{clid}", "Change a registrar: credit limit, "
           "certificate fingerprints, networks, status, contacts (superuser)",
           body=obj((), name=STR, email=STR, status=STR, credit_limit=INT,
                    low_balance_threshold=INT,
                    fingerprints={"type": "array", "items": STR},
                    networks={"type": "array", "items": STR}))
    async def admin_registrar_update(call: Call) -> web.Response:
        return json_response(await call.run(console(call).update_registrar, call.principal,
                                            path(call, "clid"), call.body))

    @route("POST", "/api/admin/registrars/{clid}/credit", "Credit (or, negative, debit) a "
           "registrar's account with a reason (operator)",
           body=obj(("amount", "reason"), amount=INT, force=BOOL, **REASON))
    async def admin_registrar_credit(call: Call) -> web.Response:
        c, b, clid = console(call), call.body, path(call, "clid")
        await call.run(c.credit_registrar, call.principal, clid, b.get("amount"),
                       b.get("reason"), b.get("force", False))
        return json_response(await call.run(c.registrar, call.principal, clid))

    @route("GET", "/api/admin/registrars/{clid}/ledger", "A registrar's ledger, newest first",
           query=("before",), response=LIST)
    async def admin_registrar_ledger(call: Call) -> web.Response:
        return json_response(await call.run(console(call).registrar_ledger, call.principal,
                                            path(call, "clid"), int_query(call, "before")))

    # -- domains ------------------------------------------------------------------------

    @route("GET", "/api/admin/domains", "Find names by a part of the name, registrar, site "
           "user (email or id) or status", query=("q", "registrar", "user", "status"),
           response=LIST)
    async def admin_domains(call: Call) -> web.Response:
        return json_response(await call.run(
            console(call).domains, call.principal, name=call.query("q"),
            registrar=call.query("registrar"), status=call.query("status"),
            user=call.query("user")))

    @route("GET", "/api/admin/domains/{name}", "A name: info, history, holder, audit")
    async def admin_domain(call: Call) -> web.Response:
        return json_response(await call.run(console(call).domain, call.principal,
                                            path(call, "name")))

    @route("POST", "/api/admin/domains/{name}/statuses", "Set or clear server locks and holds "
           "(operator)", body=obj((), add={"type": "array", "items": STR},
                                   remove={"type": "array", "items": STR}, **REASON))
    async def admin_domain_statuses(call: Call) -> web.Response:
        b = call.body
        return json_response(await call.run(console(call).set_server_statuses, call.principal,
                                            path(call, "name"), b.get("add"), b.get("remove"),
                                            b.get("reason")))

    @route("POST", "/api/admin/domains/{name}/restore", "Restore a name in redemption for its "
           "sponsor, charged the restore fee (operator)", body=obj(("reason",), **REASON))
    async def admin_domain_restore(call: Call) -> web.Response:
        return json_response(await call.run(console(call).restore, call.principal,
                                             path(call, "name"), call.body.get("reason")))

    # -- zones, the outbox, poll queues -------------------------------------------------

    @route("GET", "/api/admin/zones", "Each TLD's zone: publication, DNSSEC settings, secure "
           "delegations, DNS backlog and dead letters", response=LIST)
    async def admin_zones(call: Call) -> web.Response:
        return json_response(await call.run(console(call).zones, call.principal))

    @route("GET", "/api/admin/zones/hosted", "Zones hosted for registrants as zonegen last "
           "reported them: revision, DNSSEC state and step, error (problems=1: only those "
           "failing or changing)", query=("problems",), response=LIST)
    async def admin_hosted_zones(call: Call) -> web.Response:
        return json_response(await call.run(console(call).hosted_zones, call.principal,
                                            flag(call, "problems")))

    @route("GET", "/api/admin/zones/{tld}/ds", "The DS records a zone publishes for its "
           "delegations", response=LIST)
    async def admin_zone_ds(call: Call) -> web.Response:
        return json_response(await call.run(console(call).zone_ds, call.principal,
                                            path(call, "tld")))

    @route("GET", "/api/admin/events", "The outbox: each consumer's backlog, and its rows "
           "(dead letters with dead=1)", query=("consumer", "dead"))
    async def admin_events(call: Call) -> web.Response:
        return json_response(await call.run(console(call).outbox, call.principal,
                                            call.query("consumer") or None, flag(call, "dead")))

    @route("POST", "/api/admin/events/retry", "Replay outbox rows by id, or every dead letter "
           "(of a consumer) with dead=true (operator)",
           body=obj((), ids={"type": "array", "items": INT}, dead=BOOL, consumer=STR),
           response=obj(("retried",), retried=INT))
    async def admin_events_retry(call: Call) -> web.Response:
        b, c = call.body, console(call)
        count = await (call.run(c.retry_dead, call.principal, b.get("consumer"))
                       if b.get("dead") is True else
                       call.run(c.retry_events, call.principal, b.get("ids")))
        return json_response({"retried": count})

    @route("GET", "/api/admin/poll", "Registrars' poll queues: unread messages",
           response=LIST)
    async def admin_poll(call: Call) -> web.Response:
        return json_response(await call.run(console(call).poll_queues, call.principal))

    @route("GET", "/api/admin/poll/{clid}", "A registrar's poll messages (all=1: read ones "
           "too)", query=("all",), response=LIST)
    async def admin_poll_messages(call: Call) -> web.Response:
        return json_response(await call.run(console(call).poll_messages, call.principal,
                                            path(call, "clid"), not flag(call, "all")))
