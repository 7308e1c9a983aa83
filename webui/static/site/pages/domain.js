// One name: its registry record, name servers with glue, DS records, locks, auto-renew, the
// registrant contact, the auth code, a transfer away waiting for an answer, renew, restore,
// gift and release. Every change answers the record as the registry has it now.

import {h, replace} from "../../common/dom.js";
import {del, get, post, put} from "../../common/api.js";
import {
  busy, card as baseCard, day, field, form, messageBox, money, pageTitle, progress, say, table,
} from "../../common/ui.js";
import {placeOrder} from "../orders.js";

const LOCKS = [["delete", "Delete"], ["transfer", "Transfer"], ["update", "Update"], ["renew", "Renew"]];

// what the last change said, shown in the card it was made in (the page is drawn anew)
let saved = null;

const card = (id, title, ...children) => baseCard(id, title, children,
  saved && saved.card === id ? h("p", {class: "message ok", role: "status", tabindex: -1}, saved.text) : null);

export async function page(ctx) {
  const name = ctx.params.name;
  const path = `/api/domains/${encodeURIComponent(name)}`;
  const root = h("div", {id: "domain"});
  const draw = (d, change = null) => {
    saved = change;
    // deleted at the registry (redemption): nothing to change there but restoring it
    const cards = d.state === "redemption" ? [overview(d, path, draw), renewal(ctx, d, path, draw)] : [
      overview(d, path, draw),
      transferAway(ctx, d, path),
      hostedDns(d),
      nameservers(d, path, draw),
      dsRecords(d, path, draw),
      locks(d, path, draw),
      contacts(ctx),
      authCode(d, path),
      renewal(ctx, d, path, draw),
      gift(d, path),
      release(ctx, d, path)];
    replace(root,
      pageTitle(d.unicode_name),
      d.name !== d.unicode_name ? h("p", {class: "hint mono"}, d.name) : null,
      cards);
    if (change) root.querySelector(`#${change.card} [role=status]`).focus();
    saved = null;
  };
  draw(await get(path));
  return root;
}

// deleted at the registry (restorable, or waiting to be purged): nothing to renew
const deleted = (d) => d.state === "redemption" || d.statuses.includes("pendingDelete");

function overview(d, path, draw) {
  return card("overview", "Overview",
    h("dl", {class: "facts"},
      h("dt", {}, "State"), h("dd", {id: "domain-state"}, d.state.replace("_", " ")),
      h("dt", {}, "Registered"), h("dd", {}, day(d.created_at)),
      h("dt", {}, "Expires"), h("dd", {id: "domain-expires"}, day(d.expires_at)),
      h("dt", {}, "Registry status"), h("dd", {}, d.statuses.map((s) => [h("span", {class: "badge"}, s), " "]))),
    deleted(d) ? h("p", {class: "hint", id: "auto-renew-na"},
      "Auto-renew does not apply: the name is deleted at the registry. Restore it to keep it.")
      : autoRenew(d, path, draw));
}

function autoRenew(d, path, draw) {
  const box = messageBox();
  const toggle = field("Renew automatically from my balance before expiry",
    {type: "checkbox", name: "auto_renew", checked: d.auto_renew, id: "auto-renew"});
  toggle.input.addEventListener("change", () => busy(null, box, async () => {
    draw(await put(`${path}/auto-renew`, {auto_renew: toggle.input.checked}),
      {card: "overview", text: toggle.input.checked ? "Auto-renew is on." : "Auto-renew is off."});
  }).catch((e) => say(box, e.message, "error")));
  return [toggle, box];
}

function transferAway(ctx, d, path) {
  if (!d.statuses.includes("pendingTransfer")) return null;
  const box = messageBox();
  const answer = (approve) => {
    const button = h("button", {type: "button", class: approve ? "danger" : false},
      approve ? "Approve the transfer away" : "Reject it (keep the name)");
    button.addEventListener("click", () => busy(button, box, async () => {
      await post(`${path}/transfer-answer`, {approve});
      await ctx.go(approve ? "/domains" : location.pathname, approve);
    }));
    return button;
  };
  return card("transfer-away", "Transfer away requested",
    h("p", {class: "message warn", role: "status"}, "Another registrar asked to take this name. "
      + "If you did not ask for it, reject it; if nobody answers, the registry approves it when the transfer period ends."),
    h("div", {class: "actions"}, answer(false), answer(true)), box);
}

function nameservers(d, path, draw) {
  const rows = h("div", {id: "ns-rows"});
  const addRow = (host = "", addresses = "") => {
    const row = h("div", {class: "ns-row"},
      field("Name server", {name: "ns_host", value: host, autocomplete: "off", placeholder: "ns1.example.net"}),
      field("Glue addresses", {name: "ns_addresses", value: addresses, autocomplete: "off"},
        `For a new server under ${d.unicode_name}: its IPv4 and IPv6 addresses, comma-separated (one in use keeps its own).`));
    const remove = h("button", {type: "button", class: "secondary",
      "aria-label": `Remove name server ${host || "row"}`, onclick: () => row.remove()}, "Remove");
    row.append(remove);
    rows.append(row);
    return row;
  };
  for (const ns of d.nameservers) addRow(ns);
  if (!d.nameservers.length) addRow();
  const more = h("button", {type: "button", class: "secondary", id: "ns-add"}, "Add a name server");
  more.addEventListener("click", () => addRow().querySelector("input").focus());
  const editor = form({id: "ns-form"}, [rows, h("div", {class: "actions"}, more)], "Save name servers",
    async () => {
      const servers = [...rows.querySelectorAll(".ns-row")].map((row) => {
        const [host, addresses] = row.querySelectorAll("input");
        const list = addresses.value.split(/[\s,]+/).filter(Boolean);
        return list.length ? {name: host.value.trim(), addresses: list} : host.value.trim();
      }).filter((s) => (typeof s === "string" ? s : s.name));
      draw(await put(`${path}/nameservers`, {nameservers: servers}),
        {card: "nameservers", text: "Name servers saved: the TLD's DNS follows in a moment."});
    });
  return card("nameservers", "Name servers",
    d.nameservers.length ? null : h("p", {class: "hint"}, "No name servers: the name does not resolve."),
    editor);
}

function hostedDns(d) {
  return card("hosted", "DNS hosting",
    h("p", {}, "Let our name servers answer for the name: records edited here, DNSSEC signing with the DS handled for you. "),
    h("p", {}, h("a", {href: `/domains/${encodeURIComponent(d.name)}/dns`, class: "button secondary", id: "dns-link"}, "DNS records and signing")));
}

function dsRecords(d, path, draw) {
  const box = messageBox();
  const remove = (ds) => {
    const button = h("button", {type: "button", class: "secondary", "aria-label": `Remove DS ${ds.key_tag}`}, "Remove");
    button.addEventListener("click", () => busy(button, box, async () => draw(
      await post(`${path}/ds`, {remove: [ds]}), {card: "ds", text: `DS ${ds.key_tag} removed.`})));
    return button;
  };
  return card("ds", "DNSSEC (DS records)",
    table("DS records", [
      ["Key tag", (r) => String(r.key_tag)], ["Algorithm", (r) => String(r.algorithm)],
      ["Digest type", (r) => String(r.digest_type)], ["Digest", (r) => h("code", {}, r.digest)],
      ["", remove],
    ], d.ds, "No DS records: the name is not signed at the registry."), box,
    h("h3", {}, "Add a DS record"),
    form({id: "ds-form", class: "inline"}, [
      field("Key tag", {type: "number", name: "key_tag", min: 0, max: 65535, required: true}),
      field("Algorithm", {type: "select", name: "algorithm", value: "13", options: [
        ["8", "8 RSA/SHA-256"], ["10", "10 RSA/SHA-512"], ["13", "13 ECDSA P-256"],
        ["14", "14 ECDSA P-384"], ["15", "15 Ed25519"], ["16", "16 Ed448"]]}),
      field("Digest type", {type: "select", name: "digest_type", value: "2", options: [
        ["2", "2 SHA-256"], ["4", "4 SHA-384"]]}),
      field("Digest (hex)", {name: "digest", required: true, pattern: "[0-9A-Fa-f ]+", autocomplete: "off"}),
    ], "Add DS", async (v) => draw(await post(`${path}/ds`, {add: [{
      key_tag: Number(v.key_tag), algorithm: Number(v.algorithm), digest_type: Number(v.digest_type),
      digest: v.digest.replace(/\s/g, "").toUpperCase()}]}), {card: "ds", text: `DS ${v.key_tag} added.`})));
}

function locks(d, path, draw) {
  return card("locks", "Locks",
    h("p", {class: "hint"}, "A locked name refuses that change until you unlock it here."),
    form({id: "locks-form"}, h("fieldset", {}, h("legend", {}, "Refuse…"),
      LOCKS.map(([lock, label]) => field(label, {type: "checkbox", name: lock, checked: d.locks[lock]}))),
    "Save locks", async (v) => draw(await put(`${path}/locks`,
      Object.fromEntries(LOCKS.map(([lock]) => [lock, v[lock]]))), {card: "locks", text: "Locks saved."})));
}

function contacts(ctx) {
  const c = ctx.state.user && ctx.state.user.contact;
  return card("contacts", "Contacts",
    c ? h("dl", {class: "facts"},
      h("dt", {}, "Registrant, admin and tech"),
      h("dd", {id: "contact-name"}, c.name, c.org ? ` (${c.org})` : "", ", ", c.city, ", ", c.cc, " ",
        h("span", {class: "badge"}, "private"))) : h("p", {}, "No registrant details yet."),
    h("p", {}, h("a", {href: "/account#contact"}, "Change your registrant details")));
}

function authCode(d, path) {
  const box = messageBox();
  const button = h("button", {type: "button", class: "secondary", id: "auth-code"}, "Make a new auth code");
  button.addEventListener("click", () => busy(button, box, async () => {
    const answer = await post(`${path}/auth-code`, {});
    replace(box, h("p", {class: "message ok", role: "status"},
      "The new auth code (give it to the registrar taking the name; it is shown only now): ",
      h("code", {id: "auth-code-value"}, answer.auth_code)));
  }));
  return card("auth", "Transfer away (auth code)",
    h("p", {}, d.has_auth_code ? "The name has an auth code; we store only its hash, so we "
      + "cannot show it: make a new one to transfer the name to another registrar."
      : "The name has no auth code yet."),
    d.locks.transfer ? h("p", {class: "message warn"}, "The transfer lock is on: unlock it first.") : null,
    button, box);
}

function renewal(ctx, d, path, draw) {
  const outcome = h("div", {class: "order-outcome"});
  const restoring = d.state === "redemption";
  const order = async (item) => {
    const bar = progress("Order progress");
    replace(outcome, bar);
    bar.update(0, 1, `${restoring ? "Restoring" : "Renewing"} ${d.unicode_name}…`);
    const current = await placeOrder([item]);
    await ctx.refreshUser();
    const [done] = current.items;
    if (done.status !== "done") {
      replace(outcome);
      throw new Error(`${done.error || "the registry refused it"} (${current.refunded.text} refunded)`);
    }
    // a restored name is active again: the message goes where the page has it now
    const fresh = await get(path);
    draw(fresh, {card: fresh.state === "redemption" ? "restore" : "renew",
      text: `Order ${current.id} is done: ${current.total.text} paid.`});
  };
  if (restoring) {
    const fee = h("p", {id: "restore-fee", "aria-live": "polite"}, "Reading the restore fee…");
    restoreFee(d).then((text) => { fee.textContent = text; },
      (e) => { fee.textContent = `The restore fee could not be read: ${e.message}`; });
    return card("restore", "Restore",
      h("p", {class: "message warn"}, "The name was deleted and can still be restored until the registry purges it."),
      fee,
      form({id: "restore-form"}, [], "Restore the name", () => order({name: d.name, operation: "restore"})),
      outcome);
  }
  return card("renew", "Renew",
    form({id: "renew-form", class: "inline"}, [
      field("Years", {type: "select", name: "years", value: "1",
        options: [1, 2, 3, 4, 5].map((n) => [String(n), String(n)])}),
    ], "Renew", (v) => order({name: d.name, operation: "renew", years: Number(v.years)})),
    outcome);
}

/** What restoring costs, from the prices the search answers for the name: the restore
 *  fee, and a year's renewal when the name's expiry has passed (the registry adds it). */
async function restoreFee(d) {
  const [offer] = await get(`/api/search?q=${encodeURIComponent(d.name)}`);
  const {restore, renew} = offer.prices;
  if (restore === null || restore === undefined) return `${d.unicode_name} cannot be restored here: ${offer.reason || "no restore price"}.`;
  const lapsed = d.expires_at && Date.parse(d.expires_at) <= Date.now();
  if (!lapsed) return `Restore fee: ${money(restore, offer.currency)}.`;
  return `Restore fee: ${money(restore, offer.currency)}, plus ${money(renew, offer.currency)} for the year that lapsed: `
    + `${money(restore + renew, offer.currency)} in all.`;
}

function gift(d, path) {
  return card("gift", "Give it to someone",
    form({id: "gift-form"}, [
      field("Their email", {type: "email", name: "email", required: true, autocomplete: "off"},
        "They get a link; the name moves to their account when they accept it."),
    ], "Give the name", (v) => post(`${path}/gift`, {email: v.email}),
    (_) => "The gift is mailed. The name is yours until they accept it."));
}

function release(ctx, d, path) {
  return card("release", "Release the name",
    h("p", {}, "The name is deleted at the registry; for a while it can still be restored, for a fee."),
    form({id: "release-form", danger: true}, [
      field(`Yes, release ${d.unicode_name}`, {type: "checkbox", name: "sure", required: true}),
    ], "Release", async () => {
      await del(path);
      await ctx.go("/domains");
    }));
}
