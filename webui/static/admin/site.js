// The registrar side of the console (the site's users, their orders and mail), the audit
// log and the quick search.

import {h} from "../common/dom.js";
import {get, post, put} from "../common/api.js";
import {busy, field, form, table} from "../common/ui.js";
import {BASE, link, paths, to} from "./links.js";
import {auditRows} from "./registry.js";
import {badge, facts, minorUnits, money, page, section, when} from "./view.js";

const enc = encodeURIComponent;
const RANK = {readonly: 1, operator: 2, superuser: 3};
const may = (operator, role) => RANK[operator.role] >= RANK[role];

function userTable(rows) {
  return table("Users", [["Id", (u) => to("user", u.id, `#${u.id}`)],
    ["Email", (u) => to("user", u.id, u.email)], ["Role", (u) => u.role],
    ["Status", (u) => badge(u.status, u.status === "active" ? "ok" : "warn")],
    ["2FA", (u) => u.two_factor ? "on" : "off"],
    ["Balance", (u) => money(u.balance.amount, u.balance.currency)]], rows, "No user found.");
}

async function users({main, query, go}) {
  const q = query.get("q") || "";
  const rows = q ? await get(`/api/admin/users?q=${enc(q)}`) : null;
  page(main, "Users", form({class: "inline", role: "search", "aria-label": "Find users"}, [
    field("Email or id", {name: "q", value: q, required: true}),
  ], "Find", (v) => go(`${BASE}/users?q=${enc(v.q.trim())}`)),
  rows ? userTable(rows) : h("p", {}, "Search by a part of the address, or #id."));
}

async function user({main, params: [id], operator, go}) {
  const d = await get(`/api/admin/users/${enc(id)}`);
  const u = d.user;
  const reload = () => go(paths.user(u.id));
  const act = (path, body) => async (v) => {
    await post(`/api/admin/users/${u.id}/${path}`, {...body, reason: v.reason});
    await reload();
  };
  const reason = () => field("Reason", {name: "reason"}, "kept in the audit log");
  page(main, `User #${u.id}`,
    h("div", {class: "grid"},
      section("Account", facts([["Email", u.email], ["Role", u.role],
        ["Status", badge(u.status, u.status === "active" ? "ok" : "warn")],
        ["Email verified", u.verified ? "yes" : "no"], ["2FA", u.two_factor ? "on" : "off"],
        ["Balance", money(u.balance.amount, u.balance.currency)],
        ["Created", when(u.created_at)]])),
      may(operator, "operator") && section("Actions",
        form({"aria-label": u.status === "locked" ? "Unlock" : "Lock"}, [reason()],
          u.status === "locked" ? "Unlock the account" : "Lock the account",
          act("lock", {locked: u.status !== "locked"})),
        u.two_factor && form({"aria-label": "Reset 2FA"}, [reason()],
          "Turn off the second factor", act("2fa-reset", {})),
        form({"aria-label": "Add funds"}, [
          field("Amount", {name: "amount", required: true, inputmode: "decimal"},
            `in ${u.balance.currency}`),
          field("Description", {name: "description", value: "credit by an operator"}),
        ], "Add funds", async (v) => {
          await post(`/api/admin/users/${u.id}/funds`, {amount: minorUnits(v.amount,
            u.balance.currency), description: v.description});
          await reload();
        }),
        may(operator, "superuser") && form({"aria-label": "Role"}, [
          field("Role", {type: "select", name: "role", value: u.role,
            options: ["user", "readonly", "operator", "superuser"]}), reason(),
        ], "Set the role", async (v) => {
          await put(`/api/admin/users/${u.id}/role`, {role: v.role, reason: v.reason});
          await reload();
        }))),
    section("Names", d.domains.length ? h("ul", {}, d.domains.map((n) =>
      h("li", {}, to("domain", n)))) : h("p", {class: "empty"}, "No name.")),
    section("Orders", orderTable(d.orders)),
    section("Ledger", table("Ledger", [["When", (e) => when(e.at)], ["Kind", (e) => e.kind],
      ["Amount", (e) => money(e.amount.amount, e.amount.currency)],
      ["Description", (e) => e.description],
      ["Order", (e) => e.order_id ? to("order", e.order_id, `#${e.order_id}`) : ""]],
    d.ledger, "No movement.")),
    section("Payments", paymentTable(d.payments, operator, reload)),
    section("Mail", mailTable(d.mails)),
    section("Audit log", auditRows(d.audit)));
}

function orderTable(rows) {
  return table("Orders", [["Order", (o) => to("order", o.order.id, `#${o.order.id}`)],
    ["User", (o) => to("user", o.user_id, `#${o.user_id}`)],
    ["Status", (o) => o.order.status], ["Total", (o) => o.order.total.text + " " +
      o.order.total.currency],
    ["Names", (o) => o.order.items.map((i) => to("domain", i.name, `${i.operation} ` +
      `${i.unicode_name} (${i.status})`)).flatMap((a) => [a, " "])],
    ["Placed", (o) => when(o.order.created_at)]], rows, "No order.");
}

async function orders({main, query, go}) {
  const keys = ["user", "status"];
  const search = keys.filter((k) => query.get(k)).map((k) => `${k}=${enc(query.get(k))}`);
  const rows = await get(`/api/admin/orders?${search.join("&")}`);
  page(main, "Orders", form({class: "inline", role: "search", "aria-label": "Filter orders"}, [
    field("User id", {name: "user", value: query.get("user") || ""}),
    field("Status", {type: "select", name: "status", value: query.get("status") || "",
      options: [["", "any"], ["paid", "paid"], ["done", "done"]]}),
  ], "Filter", async (v) => {
    const next = keys.filter((k) => v[k].trim()).map((k) => `${k}=${enc(v[k].trim())}`);
    await go(`${BASE}/orders?${next.join("&")}`);
  }), orderTable(rows));
}

async function order({main, params: [id]}) {
  const o = await get(`/api/admin/orders/${enc(id)}`);
  page(main, `Order #${o.order.id}`, facts([["User", to("user", o.user_id, `#${o.user_id}`)],
    ["Status", o.order.status], ["Total", `${o.order.total.text} ${o.order.total.currency}`],
    ["Refunded", `${o.order.refunded.text} ${o.order.refunded.currency}`],
    ["Placed", when(o.order.created_at)], ["Done", when(o.order.completed_at)]]),
  section("Items", table("Items", [["Name", (i) => to("domain", i.name, i.unicode_name)],
    ["Operation", (i) => i.operation], ["Years", (i) => i.years],
    ["Price", (i) => `${i.price.text} ${i.price.currency}`], ["Status", (i) => i.status],
    ["Error", (i) => i.error || ""]], o.order.items)));
}

function paymentTable(rows, operator, reload) {
  const box = h("div", {class: "messages", "aria-live": "polite"});
  return [table("Payments", [["Payment", (p) => `#${p.id}`],
    ["User", (p) => to("user", p.user_id, `#${p.user_id}`)], ["Provider", (p) => p.provider],
    ["Status", (p) => p.status], ["Asked", (p) => `${p.amount.text} ${p.amount.currency}`],
    ["Received", (p) => `${p.received.text} ${p.received.currency}`],
    ["Refunded", (p) => `${p.reversed.text} ${p.reversed.currency}`],
    ["Paid", (p) => when(p.paid_at)],
    ["", (p) => may(operator, "operator") && p.received.amount > p.reversed.amount &&
      h("button", {type: "button", class: "secondary", "aria-label": `Refund payment ${p.id}`,
        onclick: (e) => busy(e.target, box, async () => {
          await post(`/api/admin/payments/${p.id}/refund`,
            {reason: "refund by an operator"});
          await reload();
        })}, "Refund")]], rows, "No payment."), box];
}

async function payments({main, query, operator, go}) {
  const user = query.get("user") || "";
  const rows = await get(`/api/admin/payments?user=${enc(user)}`);
  page(main, "Payments", form({class: "inline", role: "search", "aria-label":
    "Filter payments"}, [field("User id", {name: "user", value: user})], "Filter",
  (v) => go(`${BASE}/payments?user=${enc(v.user.trim())}`)),
  paymentTable(rows, operator, () => go(`${BASE}/payments?user=${enc(user)}`)));
}

function mailTable(rows) {
  return table("Mail", [["Queued", (m) => when(m.at)], ["To", (m) => m.recipient],
    ["User", (m) => m.user_id ? to("user", m.user_id, `#${m.user_id}`) : ""],
    ["Message", (m) => m.template]], rows, "No mail.");
}

async function mails({main, query, go}) {
  const to_ = query.get("to") || "";
  const rows = await get(`/api/admin/mails?to=${enc(to_)}`);
  page(main, "Mail", form({class: "inline", role: "search", "aria-label": "Filter mail"}, [
    field("Recipient", {name: "to", type: "email", value: to_}),
  ], "Filter", (v) => go(`${BASE}/mails?to=${enc(v.to.trim())}`)),
  h("p", {}, "Delivery is the mail consumer's: see ", link(`${BASE}/events?consumer=mail`,
    "its outbox"), "."), mailTable(rows));
}

async function audit({main, query, go}) {
  const keys = ["type", "object", "actor", "before"];
  const search = keys.filter((k) => query.get(k)).map((k) => `${k}=${enc(query.get(k))}`);
  const rows = await get(`/api/admin/audit?${search.join("&")}`);
  const last = rows[rows.length - 1];
  const older = new URLSearchParams(query);
  if (last) older.set("before", last.id);
  page(main, "Audit log", form({class: "inline", role: "search", "aria-label":
    "Filter the audit log"}, [
    field("Object type", {type: "select", name: "type", value: query.get("type") || "",
      options: [["", "any"], "tld", "premium", "reserved", "registrar", "domain", "user",
        "outbox"]}),
    field("Object", {name: "object", value: query.get("object") || ""}),
    field("Who", {name: "actor", value: query.get("actor") || ""}, "operator:email"),
  ], "Filter", async (v) => {
    const next = keys.filter((k) => v[k] && v[k].trim()).map((k) => `${k}=${enc(v[k].trim())}`);
    await go(`${BASE}/audit?${next.join("&")}`);
  }), h("div", {id: "audit"}, auditRows(rows)),
  rows.length >= 100 && link(`${BASE}/audit?${older}`, "Older entries"));
}

const POLL_KIND = {"polling": "ok", "failing": "warn"};

function markup(s) {
  return `${s.markup_percent} %${s.markup_is_default ? " (the site's default)" : ""}`;
}

function pendingTable(rows) {
  return table("Order items under way", [["Order", (i) => to("order", i.order_id,
    `#${i.order_id}`)], ["Name", (i) => to("domain", i.name)],
  ["Operation", (i) => i.operation], ["Status", (i) => i.status],
  ["Sent", (i) => when(i.submitted_at)]], rows, "No order item under way.");
}

async function upstreams({main}) {
  const rows = await get("/api/admin/upstreams");
  page(main, "Upstreams", h("p", {}, "Remote registries whose names the site sells over " +
    "EPP ('pyrar upstream add', docs/interconnect.md)."),
  table("Upstreams", [["Name", (s) => to("upstream", s.upstream.name)],
    ["State", (s) => badge(s.state, POLL_KIND[s.state] || "")],
    ["TLDs", (s) => s.upstream.tlds.map((t) => `.${t}`).join(" ")],
    ["Markup", markup], ["Last poll", (s) => when(s.polled_at)],
    ["Messages", (s) => String(s.messages)],
    ["Under way", (s) => String(s.pending.length)]], rows, "No upstream."));
}

async function upstream({main, params: [name]}) {
  const d = await get(`/api/admin/upstreams/${enc(name)}`);
  const s = d.status;
  const u = s.upstream;
  const prices = Object.entries(u.flat_prices);
  page(main, `Upstream ${u.name}`, h("div", {class: "grid"},
    section("Registry", facts([["EPP server", `${u.host}:${u.port}`], ["Our clid", u.clid],
      ["TLDs", u.tlds.map((t) => `.${t}`).join(" ")], ["Currency", u.currency],
      ["Markup", markup(s)], ["Prices", prices.length ? prices.map(([op, amount]) =>
        `${op} ${money(amount, u.currency)}`).join(", ") : "from its fee-1.0 answers"],
      ["Contacts sent", u.contacts], ["Sessions", String(u.sessions)],
      ["Its idle timeout", `${u.idle_timeout} s`]])),
    section("Polling", facts([["State", badge(s.state, POLL_KIND[s.state] || "")],
      ["Last poll", when(s.polled_at)], ["Error", s.poll_error || "-"],
      ["Messages recorded", String(s.messages)],
      ["Last message", when(s.last_message_at)]]))),
  section("Order items under way", pendingTable(s.pending)),
  section("Latest messages", table("Messages", [["Received", (m) => when(m.received_at)],
    ["Message id", (m) => m.msg_id], ["What it did", (m) => m.summary]], d.messages,
  "No message.")));
}

async function search({main, query}) {
  const q = query.get("q") || "";
  const hits = q ? await get(`/api/admin/search?q=${enc(q)}`) : [];
  page(main, `Search: ${q}`, table("Results", [["Kind", (r) => r.kind],
    ["Record", (r) => to(r.kind, r.key, r.label)]], hits, "Nothing found."));
}

export const sitePages = [
  [/^\/users$/, users], [/^\/users\/([0-9]+)$/, user], [/^\/orders$/, orders],
  [/^\/orders\/([0-9]+)$/, order], [/^\/payments$/, payments], [/^\/mails$/, mails],
  [/^\/upstreams$/, upstreams], [/^\/upstreams\/([^/]+)$/, upstream], [/^\/audit$/, audit],
  [/^\/search$/, search],
];
