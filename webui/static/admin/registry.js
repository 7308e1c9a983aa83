// The registry side of the console: TLDs and their prices, premium and reserved names;
// registrars and their money; domains; zones, the outbox and poll queues.

import {h} from "../common/dom.js";
import {del, get, post, put, api} from "../common/api.js";
import {busy, field, form, messageBox, table} from "../common/ui.js";
import {BASE, link, objectLink, paths, to} from "./links.js";
import {badge, changes, facts, json, lines, minorUnits, money, page, section,
  when} from "./view.js";

const enc = encodeURIComponent;
const RANK = {readonly: 1, operator: 2, superuser: 3};
const may = (operator, role) => RANK[operator.role] >= RANK[role];
const OPERATIONS = ["create", "renew", "transfer", "restore"];
const SERVER_STATUSES = ["serverHold", "serverDeleteProhibited", "serverRenewProhibited",
  "serverTransferProhibited", "serverUpdateProhibited"];

async function home({main}) {
  const [zones, outbox] = await Promise.all([get("/api/admin/zones"), get("/api/admin/events")]);
  page(main, "Overview",
    section("Zones", zoneTable(zones)),
    section("Outbox", statsTable(outbox.stats)));
}

// -- TLDs ---------------------------------------------------------------------------------

async function tlds({main, operator, go}) {
  const list = await get("/api/admin/tlds");
  page(main, "TLDs", table("TLDs", [
    ["TLD", (t) => to("tld", t.name, `.${t.name}`)],
    ["Periods", (t) => `${t.policy.min_period}-${t.policy.max_period} y`],
    ["Create", (t) => priceOf(t, "create")], ["Renew", (t) => priceOf(t, "renew")],
    ["Data model", (t) => t.policy.data_model],
  ], list, "No TLD yet."),
  may(operator, "superuser") && section("Add a TLD", form({"aria-label": "Add a TLD"}, [
    field("Name", {name: "name", required: true}, "e.g. shop, or an IDN as typed"),
    field("Maximum period (years)", {name: "max_period", type: "number", min: 1, max: 10,
      value: "10"}),
  ], "Add the TLD", async (v) => {
    const tld = await post("/api/admin/tlds", {name: v.name,
      policy: {max_period: Number(v.max_period)}});
    await go(paths.tld(tld.name));
  })));
}

function priceOf(tld, operation) {
  const [currency, prices] = Object.entries(tld.prices)[0] || [];
  return currency && prices[operation] !== undefined ? money(prices[operation], currency) : "-";
}

async function tld({main, params: [name], operator, go}) {
  const t = await get(`/api/admin/tlds/${enc(name)}`);
  const su = may(operator, "superuser");
  const reload = () => go(paths.tld(t.name));
  const priceRows = Object.entries(t.prices).flatMap(([currency, ops]) =>
    Object.entries(ops).map(([operation, amount]) => ({currency, operation, amount})));
  page(main, `.${t.name}`,
    h("p", {}, link(`${BASE}/domains?q=.${enc(t.name)}`, "Names in this TLD"), " · ",
      to("zone", t.name, "Zone"), " · ",
      link(`${BASE}/audit?type=tld&object=${enc(t.name)}`, "Audit log")),
    h("div", {class: "grid"},
      section("Policy", su ? policyForm(t, reload) : facts(Object.entries(t.policy)
        .map(([k, v]) => [k, String(v)]))),
      section("Prices per year", table("Prices", [["Operation", (p) => p.operation],
        ["Price", (p) => money(p.amount, p.currency)]], priceRows, "No price yet."),
      su && form({"aria-label": "Set a price"}, [
        field("Operation", {type: "select", name: "operation", options: OPERATIONS}),
        field("Currency", {name: "currency", value: "USD", required: true, maxlength: 3}),
        field("Price", {name: "amount", required: true, inputmode: "decimal"}, "e.g. 12.00"),
      ], "Set the price", async (v) => {
        await put(`/api/admin/tlds/${enc(t.name)}/prices`, {operation: v.operation,
          currency: v.currency.toUpperCase(),
          amount: minorUnits(v.amount, v.currency.toUpperCase())});
        await reload();
      }))),
    section("Premium rules", premiumTable(t, su, reload), su && premiumForm(t, reload),
      testerForm(t)),
    section("Reserved names", table("Reserved names", [
      ["Label", (r) => r[0]], ["Reason", (r) => r[1]],
      ["", (r) => su && h("button", {type: "button", class: "secondary",
        "aria-label": `Release ${r[0]}`, onclick: async (e) => {
          await busy(e.target, null, () => del(
            `/api/admin/tlds/${enc(t.name)}/reserved/${enc(r[0])}`));
          await reload();
        }}, "Release")],
    ], t.reserved, "No reserved label."),
    su && form({"aria-label": "Reserve a label"}, [
      field("Label", {name: "label", required: true}),
      field("Reason", {name: "reason", value: "Reserved"}),
    ], "Reserve", async (v) => {
      await post(`/api/admin/tlds/${enc(t.name)}/reserved`, v);
      await reload();
    })),
    section("DNS publication", json(t.dns)));
}

function policyForm(t, reload) {
  const fields = Object.entries(t.policy).map(([key, value]) => typeof value === "boolean"
    ? field(key, {type: "checkbox", name: key, checked: value})
    : field(key, {name: key, value: String(value)}));
  return form({"aria-label": "Policy"}, fields, "Save the policy", async (v) => {
    const changed = Object.fromEntries(Object.entries(v).filter(
      ([k, value]) => String(value) !== String(t.policy[k])));
    await api("PATCH", `/api/admin/tlds/${enc(t.name)}`, {policy: changed});
    await reload();
  });
}

function premiumTable(t, su, reload) {
  return table("Premium rules", [
    ["Rule", (r) => `${r.kind === "regex" ? "regex " : ""}${r.pattern}`],
    ["Class", (r) => r.class_name],
    ["Prices", (r) => OPERATIONS.filter((op) => r.prices[op] !== null)
      .map((op) => `${op} ${money(r.prices[op], r.currency)}`).join(", ")],
    ["", (r) => su && h("button", {type: "button", class: "secondary",
      "aria-label": `Remove rule ${r.pattern}`, onclick: async (e) => {
        await busy(e.target, null, () => del(`/api/admin/tlds/${enc(t.name)}/premium/${r.id}`));
        await reload();
      }}, "Remove")],
  ], t.premium, "No premium rule.");
}

function premiumForm(t, reload) {
  return form({"aria-label": "Add a premium rule"}, [
    field("Label or regular expression", {name: "pattern", required: true},
      "a label (shop) or, as a regex, ^(.|..)$"),
    field("It is a regular expression", {type: "checkbox", name: "regex"}),
    field("Class", {name: "class_name", value: "premium"}),
    field("Currency", {name: "currency", value: "USD", maxlength: 3}),
    ...OPERATIONS.map((op) => field(`${op} price`, {name: op, inputmode: "decimal"},
      "empty: the standard price")),
  ], "Add the rule", async (v) => {
    const currency = v.currency.toUpperCase();
    const prices = Object.fromEntries(OPERATIONS.filter((op) => v[op].trim())
      .map((op) => [op, minorUnits(v[op], currency, op)]));
    await post(`/api/admin/tlds/${enc(t.name)}/premium`, {pattern: v.pattern,
      regex: v.regex, class_name: v.class_name, currency, prices});
    await reload();
  });
}

function testerForm(t) {
  const out = h("div", {"aria-live": "polite"});
  const f = form({"aria-label": "Test a name"}, [
    field("Name to test", {name: "name", required: true}),
    field("Currency", {name: "currency", value: "USD", maxlength: 3}),
  ], "Which rule?", async (v) => {
    const r = await get(`/api/admin/tlds/${enc(t.name)}/premium-test?name=${enc(v.name)}` +
      `&currency=${enc(v.currency)}`);
    out.replaceChildren(facts([
      ["Name", r.name],
      ["Rule", r.rule ? `${r.rule.kind} ${r.rule.pattern} (${r.rule.class_name})` :
        "none: standard prices"],
      ...OPERATIONS.map((op) => [op, r.prices[op] === null ? "no price"
        : `${money(r.prices[op], r.currency)} (${r.price_class[op]})`])]));
  });
  return h("div", {}, h("h3", {}, "Tester"), f, out);
}

// -- registrars ---------------------------------------------------------------------------

async function registrars({main, operator, go}) {
  const list = await get("/api/admin/registrars");
  page(main, "Registrars", table("Registrars", [
    ["Registrar", (r) => to("registrar", r.clid)], ["Name", (r) => r.name],
    ["Status", (r) => badge(r.status, r.status === "ok" ? "ok" : "warn")],
    ["Balance", (r) => money(r.balance, r.currency)],
    ["Credit limit", (r) => money(r.credit_limit, r.currency)],
  ], list),
  may(operator, "superuser") && section("Add a registrar", form({"aria-label":
    "Add a registrar"}, [
    field("Client id (clid)", {name: "clid", required: true}),
    field("EPP password", {name: "password", type: "password", required: true,
      autocomplete: "new-password"}),
    field("Name", {name: "name"}), field("Email", {name: "email", type: "email"}),
    field("Currency", {name: "currency", value: "USD", maxlength: 3}),
  ], "Add the registrar", async (v) => {
    const r = await post("/api/admin/registrars", {...v, currency: v.currency.toUpperCase()});
    await go(paths.registrar(r.clid));
  })));
}

async function registrar({main, params: [clid], operator, go}) {
  const d = await get(`/api/admin/registrars/${enc(clid)}`);
  const r = d.registrar;
  const reload = () => go(paths.registrar(r.clid));
  page(main, `Registrar ${r.clid}`,
    h("p", {}, link(`${BASE}/domains?registrar=${enc(r.clid)}`, "Its names"), " · ",
      to("poll", r.clid, "Poll queue"), " · ",
      link(`${BASE}/audit?type=registrar&object=${enc(r.clid)}`, "Audit log")),
    h("div", {class: "grid"},
      section("Account", facts([["Name", r.name], ["Email", r.email],
        ["Status", badge(r.status, r.status === "ok" ? "ok" : "warn")],
        ["Balance", h("strong", {id: "balance"}, money(r.balance, r.currency))],
        ["Credit limit", money(r.credit_limit, r.currency)],
        ["Certificates", r.fingerprints.length ? r.fingerprints.map((f) =>
          h("code", {class: "mono"}, f, " ")) : "none"],
        ["Networks", r.networks.join(", ") || "any"], ["Created", when(r.created_at)]])),
      may(operator, "operator") && section("Credit or debit", form({"aria-label":
        "Credit or debit"}, [
        field("Amount", {name: "amount", required: true, inputmode: "decimal"},
          `in ${r.currency}; negative takes money back`),
        field("Reason", {name: "reason", required: true}, "kept on the ledger and in the audit log"),
        field("Even past the credit limit", {type: "checkbox", name: "force"}),
      ], "Record it", async (v) => {
        await post(`/api/admin/registrars/${enc(r.clid)}/credit`, {
          amount: minorUnits(v.amount, r.currency, "amount", true), reason: v.reason,
          force: v.force});
        await reload();
      }))),
    may(operator, "superuser") && section("Settings", form({"aria-label": "Settings"}, [
      field("Credit limit", {name: "credit_limit", value: money(r.credit_limit, r.currency)
        .split(" ")[0].replace(/,/g, "")}),
      field("Certificate fingerprints (SHA-256)", {type: "textarea", name: "fingerprints",
        value: r.fingerprints.join("\n")}, "one a line: primary, failover"),
      field("Networks", {type: "textarea", name: "networks", value: r.networks.join("\n")},
        "one a line; none: any address"),
      field("Status", {type: "select", name: "status", options: ["ok", "suspended"],
        value: r.status}),
    ], "Save", async (v) => {
      await api("PATCH", `/api/admin/registrars/${enc(r.clid)}`, {
        credit_limit: minorUnits(v.credit_limit, r.currency, "credit limit"),
        fingerprints: lines(v.fingerprints), networks: lines(v.networks), status: v.status});
      await reload();
    })),
    section("Ledger", ledgerTable(d.ledger)),
    section("Unread poll messages", pollTable(d.poll)),
    section("Names", domainTable(d.domains)));
}

function ledgerTable(rows) {
  return table("Ledger", [["When", (e) => when(e.at)], ["Kind", (e) => e.kind],
    ["Amount", (e) => money(e.amount, e.currency)],
    ["Balance", (e) => money(e.balance_after, e.currency)],
    ["Name", (e) => e.object_name ? to("domain", e.object_name) : ""],
    ["Description", (e) => e.description]], rows, "No movement yet.");
}

// -- domains ------------------------------------------------------------------------------

function domainTable(rows) {
  return table("Names", [["Name", (d) => to("domain", d.name)],
    ["Registrar", (d) => to("registrar", d.sponsor)], ["State", (d) => d.state],
    ["Statuses", (d) => d.statuses.join(" ") || "ok"], ["Expires", (d) => when(d.expires_at)]],
  rows, "No name found.");
}

async function domains({main, query, go}) {
  const keys = ["q", "registrar", "user", "status"];
  const search = keys.filter((k) => query.get(k)).map((k) => `${k}=${enc(query.get(k))}`);
  const rows = search.length ? await get(`/api/admin/domains?${search.join("&")}`) : null;
  page(main, "Domains", form({class: "inline", role: "search", "aria-label": "Find names"}, [
    field("Name contains", {name: "q", value: query.get("q") || ""}),
    field("Registrar", {name: "registrar", value: query.get("registrar") || ""}),
    field("User (email or id)", {name: "user", value: query.get("user") || ""}),
    field("Status", {name: "status", value: query.get("status") || ""},
      "a state (redemption) or an EPP status (serverHold)"),
  ], "Find", async (v) => {
    const next = keys.filter((k) => v[k].trim()).map((k) => `${k}=${enc(v[k].trim())}`);
    await go(`${BASE}/domains?${next.join("&")}`);
  }), rows ? domainTable(rows) : h("p", {}, "Give at least one criterion."));
}

async function domain({main, params: [name], operator, go}) {
  const d = await get(`/api/admin/domains/${enc(name)}`);
  const i = d.info;
  const reload = () => go(paths.domain(i.name));
  const box = messageBox();
  page(main, i.name,
    h("div", {class: "grid"},
      section("Registry data", facts([["ROID", i.roid],
        ["Statuses", h("span", {id: "statuses"}, i.statuses.join(" "))],
        ["Grace and redemption", i.rgp_statuses.join(" ") || "-"],
        ["Registrar", to("registrar", i.sponsor)],
        ["Holder", d.holder ? to("user", d.holder.id, d.holder.email) : "-"],
        ["Created", `${when(i.created_at)} by ${i.creator}`], ["Expires", when(i.expires_at)],
        ["Name servers", i.nameservers.join(", ") || "-"],
        ["DS", i.ds_data.map((x) => `${x.key_tag} ${x.algorithm} ${x.digest_type}`)
          .join(", ") || "-"],
        ...(i.idn_table ? [["IDN table", i.idn_table]] : [])])),
      may(operator, "operator") && section("Server locks and holds", form({"aria-label":
        "Server locks and holds"}, [
        ...SERVER_STATUSES.map((s) => field(s, {type: "checkbox", name: s,
          checked: i.statuses.includes(s)})),
        field("Reason", {name: "reason"}, "kept in the audit log"),
      ], "Apply", async (v) => {
        const add = SERVER_STATUSES.filter((s) => v[s] && !i.statuses.includes(s));
        const remove = SERVER_STATUSES.filter((s) => !v[s] && i.statuses.includes(s));
        await post(`/api/admin/domains/${enc(i.name)}/statuses`, {add, remove,
          reason: v.reason});
        await reload();
      }),
      i.rgp_statuses.includes("redemptionPeriod") && h("div", {},
        h("button", {type: "button", onclick: (e) => busy(e.target, box, async () => {
          await post(`/api/admin/domains/${enc(i.name)}/restore`,
            {reason: "restored by the registry operator"});
          await reload();
        })}, "Restore for the registrar"), box))),
    section("History", table("History", [["When", (e) => when(e.at)],
      ["Command", (e) => e.command], ["By", (e) => e.actor], ["Reason", (e) => e.reason],
      ["Server TRID", (e) => e.svtrid || ""]], d.history)),
    section("Audit log", auditRows(d.audit)));
}

export function auditRows(rows) {
  return table("Audit log", [["When", (e) => when(e.at)], ["Who", (e) => e.actor],
    ["What", (e) => e.action], ["Object", (e) => objectLink(e.object_type, e.object_name)],
    ["Reason", (e) => e.reason],
    ["Change", (e) => changes(e.before, e.after)]], rows, "No change recorded.");
}

// -- zones, the outbox, poll queues -------------------------------------------------------

function zoneTable(zones) {
  return table("Zones", [["Zone", (z) => to("zone", z.tld, `.${z.tld}`)],
    ["Published", (z) => z.published ? badge("yes", "ok") : badge("no name servers", "warn")],
    ["DNSSEC", (z) => z.dnssec.enabled ? `${z.dnssec.algorithm} ${z.dnssec.denial}` : "off"],
    ["Names", (z) => z.domains], ["Secure delegations", (z) => z.secure_delegations],
    ["Backlog", (z) => z.backlog], ["Dead letters", (z) => z.dead ? badge(z.dead, "error")
      : "0"]], zones, "No TLD yet.");
}

async function zones({main}) {
  const [tldZones, hosted] = await Promise.all([get("/api/admin/zones"),
    get("/api/admin/zones/hosted")]);
  page(main, "Zones", section("TLD zones", zoneTable(tldZones)),
    section("Hosted zones", table("Hosted zones", [
      ["Zone", (z) => to("domain", z.zone)], ["Revision", (z) => z.revision],
      ["DNSSEC", (z) => z.dnssec], ["Step", (z) => z.step || "-"],
      ["Next step", (z) => when(z.next_step_at)],
      ["Error", (z) => z.error ? badge(z.error, "error") : ""],
      ["Reported", (z) => when(z.updated_at)]], hosted, "No hosted zone.")));
}

async function zone({main, params: [tld]}) {
  const ds = await get(`/api/admin/zones/${enc(tld)}/ds`);
  page(main, `Zone .${tld}`, h("p", {}, to("tld", tld, "TLD settings")),
    section("DS records of delegations", table("DS records", [
      ["Name", (r) => to("domain", r.name)], ["Key tag", (r) => r.key_tag],
      ["Algorithm", (r) => r.algorithm], ["Digest type", (r) => r.digest_type],
      ["Digest", (r) => h("code", {class: "mono"}, r.digest)]], ds, "No DS record.")));
}

function statsTable(stats) {
  return table("Consumers", [["Consumer", (s) => link(`${BASE}/events?consumer=${enc(
    s.consumer)}`, s.consumer)], ["Live", (s) => s.live], ["Due", (s) => s.due],
  ["Backing off", (s) => s.backing_off],
  ["Dead", (s) => s.dead ? link(`${BASE}/events?consumer=${enc(s.consumer)}&dead=1`,
    String(s.dead)) : "0"], ["Oldest", (s) => when(s.oldest)]], stats);
}

async function events({main, query, operator, go}) {
  const consumer = query.get("consumer") || "";
  const dead = query.get("dead") === "1";
  const data = await get(`/api/admin/events?consumer=${enc(consumer)}&dead=${dead ? 1 : 0}`);
  const self = `${BASE}/events?consumer=${enc(consumer)}&dead=${dead ? 1 : 0}`;
  const box = messageBox();
  page(main, "Outbox", section("Consumers", statsTable(data.stats)),
    section(dead ? "Dead letters" : "Rows", h("p", {},
      link(`${BASE}/events?consumer=${enc(consumer)}&dead=${dead ? 0 : 1}`,
        dead ? "Show every row" : "Show only dead letters")),
    table("Outbox rows", [["Id", (e) => e.id], ["Consumer", (e) => e.consumer],
      ["Kind", (e) => e.kind], ["Payload", (e) => json(e.payload)],
      ["Attempts", (e) => e.attempts], ["Last error", (e) => e.last_error || ""],
      ["", (e) => may(operator, "operator") && h("button", {type: "button",
        class: "secondary", "aria-label": `Replay event ${e.id}`,
        onclick: (ev) => busy(ev.target, box, async () => {
          await post("/api/admin/events/retry", {ids: [e.id]});
          await go(self);
        })}, "Replay")]], data.events, "Nothing waiting."),
    dead && data.events.length > 0 && may(operator, "operator") && h("button", {
      type: "button", onclick: (ev) => busy(ev.target, box, async () => {
        await post("/api/admin/events/retry", {dead: true, consumer: consumer || null});
        await go(self);
      })}, "Replay every dead letter"), box));
}

function pollTable(rows) {
  return table("Poll messages", [["Id", (m) => m.id], ["Queued", (m) => when(m.created_at)],
    ["Kind", (m) => m.kind], ["Message", (m) => m.message],
    ["Read", (m) => m.acked_at ? when(m.acked_at) : "no"]], rows, "No message.");
}

async function poll({main}) {
  const queues = await get("/api/admin/poll");
  page(main, "Poll queues", table("Poll queues", [
    ["Registrar", (q) => to("poll", q.clid, q.clid)], ["Unread", (q) => q.unread],
    ["Oldest", (q) => when(q.oldest)]], queues));
}

async function pollQueue({main, params: [clid], query}) {
  const all = query.get("all") === "1";
  const rows = await get(`/api/admin/poll/${enc(clid)}?all=${all ? 1 : 0}`);
  page(main, `Poll queue of ${clid}`, h("p", {}, to("registrar", clid, "The registrar"),
    " · ", link(`${paths.poll(clid)}?all=${all ? 0 : 1}`, all ? "Unread only" : "Read ones too")),
  pollTable(rows));
}

export const registryPages = [
  [/^\/$/, home], [/^\/tlds$/, tlds], [/^\/tlds\/([^/]+)$/, tld],
  [/^\/registrars$/, registrars], [/^\/registrars\/([^/]+)$/, registrar],
  [/^\/domains$/, domains], [/^\/domains\/([^/]+)$/, domain],
  [/^\/zones$/, zones], [/^\/zones\/([^/]+)$/, zone], [/^\/events$/, events],
  [/^\/poll$/, poll], [/^\/poll\/([^/]+)$/, pollQueue],
];
