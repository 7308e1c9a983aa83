// The hosted DNS editor of a name: turn hosting on, the zone's records by type (checked
// here as typed, then by the registry as a whole), signing and unsigning with the state of
// each step, and whether the DNS servers have applied the last change (followed live).

import {h, replace} from "../../common/dom.js";
import {del, get, post, put} from "../../common/api.js";
import {busy, card, field, form, messageBox, pageTitle, say, table} from "../../common/ui.js";

const POLL_MS = 2000;
const TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV", "NS", "DS", "HTTPS", "SVCB",
  "TLSA", "SSHFP", "NAPTR", "PTR"];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;
const HINTS = {
  A: "IPv4 addresses, one a line: 192.0.2.10",
  AAAA: "IPv6 addresses, one a line: 2001:db8::10",
  CNAME: "One host name: www.example.net.",
  MX: "Preference and host, one a line: 10 mail.example.net.",
  TXT: "Text, one record a line (quotes added when missing)",
  CAA: "Flags, tag and value: 0 issue \"letsencrypt.org\"",
  SRV: "Priority, weight, port and target: 10 5 5060 sip.example.net.",
  NS: "Name servers of a delegated subzone, one a line",
  DS: "Key tag, algorithm, digest type and digest (at a delegated subzone)",
};

/** What is wrong with one record of a type, as typed; null when it looks right (the
 *  registry checks it fully). */
export function recordProblem(type, text) {
  const parts = text.trim().split(/\s+/);
  switch (type) {
    case "A": return IPV4.test(text.trim()) ? null : `${text} is not an IPv4 address`;
    case "AAAA": return /^[0-9a-f:.]+$/i.test(text.trim()) && text.includes(":")
      ? null : `${text} is not an IPv6 address`;
    case "CNAME": case "NS": case "PTR":
      return HOST.test(text.trim()) ? null : `${text} is not a host name`;
    case "MX": return parts.length === 2 && /^\d+$/.test(parts[0]) && Number(parts[0]) < 65536
      && HOST.test(parts[1]) ? null : `${text}: give a preference (0-65535) and a host`;
    case "SRV": return parts.length === 4 && parts.slice(0, 3).every((p) => /^\d+$/.test(p))
      && HOST.test(parts[3]) ? null : `${text}: give priority, weight, port and target`;
    case "CAA": return parts.length >= 3 && /^\d+$/.test(parts[0])
      ? null : `${text}: give flags, tag and value`;
    case "DS": return parts.length >= 4 && parts.slice(0, 3).every((p) => /^\d+$/.test(p))
      && /^[0-9a-f]+$/i.test(parts.slice(3).join("")) ? null : `${text}: give key tag, algorithm, digest type and hex digest`;
    default: return text.trim() ? null : "a record cannot be empty";
  }
}

function contentsOf(type, text) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) throw new Error("give at least one record");
  for (const line of lines) {
    const problem = recordProblem(type, line);
    if (problem) throw new Error(problem);
  }
  return type === "TXT" ? lines.map((l) => (l.startsWith("\"") ? l : JSON.stringify(l))) : lines;
}


export async function page(ctx) {
  const name = ctx.params.name;
  const path = `/api/domains/${encodeURIComponent(name)}/dns`;
  const root = h("div", {id: "dns"});
  let zone;
  try {
    zone = await get(path);
  } catch (e) {
    if (e.status !== 404) throw e;
    return offer(ctx, name, path, e.message);
  }
  const draw = (z, note = null) => {
    zone = z;
    replace(root, pageTitle(`DNS of ${z.unicode_name}`),
      h("p", {}, h("a", {href: `/domains/${encodeURIComponent(z.name)}`}, `Back to ${z.unicode_name}`)),
      status(z), signing(z, path, draw), records(z, path, draw, note), stop(ctx, z, path));
  };
  draw(zone);
  follow(root, path, () => zone, draw);
  return root;
}

/** While the servers have not applied the last change or a DNSSEC step is pending, the
 *  page asks again every couple of seconds (until it is left). */
function follow(root, path, current, draw) {
  const tick = async () => {
    if (!root.isConnected) return;
    const z = current();
    if (!z.applied || z.step || z.dnssec === "signing" || z.dnssec === "unsigning") {
      try {
        const fresh = await get(path);
        if (JSON.stringify(fresh) !== JSON.stringify(z) && root.isConnected) {
          const focused = document.activeElement && document.activeElement.id;
          draw(fresh);
          if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        }
      } catch (e) { /* shown on the next change; keep following */ }
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}

function offer(ctx, name, path, why) {
  const box = messageBox();
  const nodes = [pageTitle(`DNS of ${name}`), h("p", {}, why)];
  if (/turn it on first/.test(why)) {
    const button = h("button", {type: "button", id: "dns-enable"}, "Host this name's DNS here");
    button.addEventListener("click", () => busy(button, box, async () => {
      await post(path, {});
      await ctx.go(location.pathname, false);
    }));
    nodes.push(h("p", {}, "The name is delegated to our hosting name servers, with an empty zone you edit here."),
      button, box);
  }
  nodes.push(h("p", {}, h("a", {href: `/domains/${encodeURIComponent(name)}`}, "Back to the name")));
  return nodes;
}

function status(z) {
  return card("dns-status", "Status", h("dl", {class: "facts"},
    h("dt", {}, "Name servers"), h("dd", {}, z.nameservers.join(", ")),
    h("dt", {}, "Delegation"), h("dd", {}, h("span", {class: `badge ${z.delegated ? "ok" : "warn"}`},
      z.delegated ? "delegated to the hosting" : "not delegated to the hosting name servers")),
    h("dt", {}, "Last change"), h("dd", {id: "dns-applied"}, h("span", {class: `badge ${z.applied ? "ok" : "warn"}`},
      z.applied ? `live (revision ${z.revision})` : `being applied (revision ${z.revision})…`)),
    z.error ? [h("dt", {}, "Error"), h("dd", {class: "message error", role: "alert"}, z.error)] : null));
}

// each DNSSEC state's steps: [label, done?] (RFC 7583: keys first, the DS last; back out
// in the reverse order)
function steps(z) {
  const when = z.next_step_at ? ` (until ${z.next_step_at.replace("T", " ").slice(0, 16)} UTC)` : "";
  if (z.dnssec === "signing" || z.dnssec === "signed") {
    const at = z.dnssec === "signed" ? 3 : z.step === "keys-served" ? 2 : z.step === "keys-published" ? 1 : 0;
    return [["Keys made and published on the hosting servers", at >= 1],
      [`Every server answers with the keys; cached unsigned answers expire${at === 2 ? when : ""}`, at >= 2],
      ["The DS record is in the TLD: the name is signed", at >= 3]];
  }
  if (z.dnssec === "unsigning") {
    const at = z.step === "ds-gone" ? 1 : 0;
    return [["The DS record leaves the TLD", at >= 1],
      [`Cached DS records expire${at === 1 ? when : ""}`, false],
      ["The keys are removed: the zone is unsigned", false]];
  }
  return [];
}

function signing(z, path, draw) {
  const box = messageBox();
  const wanted = !z.signed;
  const button = h("button", {type: "button", id: "dns-sign", class: wanted ? "" : "secondary"},
    wanted ? "Sign the zone (DNSSEC)" : "Unsign the zone");
  button.addEventListener("click", () => busy(button, box, async () => draw(await put(`${path}/signed`, {signed: wanted}))));
  const list = steps(z);
  return card("dns-signing", "DNSSEC",
    h("p", {}, "State: ", h("strong", {id: "dns-dnssec"}, z.dnssec), z.step ? ` (step: ${z.step})` : ""),
    list.length ? h("ol", {class: "steps", id: "dns-steps"}, list.map(([label, done], i) => h("li", {
      class: done ? "done" : list.findIndex(([, d]) => !d) === i ? "current" : "todo"},
    h("span", {class: "visually-hidden"}, done ? "done: " : list.findIndex(([, d]) => !d) === i ? "in progress: " : "to do: "),
    label))) : null,
    h("p", {class: "hint"}, "Signing publishes the keys first and puts the DS into the TLD only once every "
      + "server answers with them and cached answers have expired; unsigning goes the other way."),
    button, box);
}

function records(z, path, draw, note) {
  const save = (list, text) => put(`${path}/records`, {records: list}).then((fresh) => draw(fresh, text));
  const groups = TYPES.map((type) => [type, z.records.filter((r) => r.type === type)])
    .filter(([, list]) => list.length);
  const box = messageBox();
  if (note) say(box, note, "ok");
  const remove = (r) => {
    const button = h("button", {type: "button", class: "secondary", "aria-label": `Remove ${r.unicode_name} ${r.type}`}, "Remove");
    button.addEventListener("click", () => busy(button, box, () => save(z.records.filter((x) => x !== r),
      `${r.unicode_name} ${r.type} removed.`)));
    return button;
  };
  const typeField = field("Type", {type: "select", name: "type", value: "A", options: TYPES});
  const contents = field("Record data", {type: "textarea", name: "contents", required: true, rows: 3}, HINTS.A);
  typeField.input.addEventListener("change", () => {
    contents.querySelector(".hint").textContent = HINTS[typeField.input.value] || "One record a line, in zone-file syntax";
  });
  return card("dns-records", "Records",
    box,
    groups.length ? groups.map(([type, list]) => [h("h3", {}, type), table(`${type} records`, [
      // as typed (U-labels), with the A-label the servers answer under it when different
      ["Name", (r) => [h("span", {class: "mono owner"}, r.unicode_name),
        r.unicode_name !== r.name ? h("span", {class: "hint mono a-label"}, r.name) : null]],
      ["TTL", (r) => String(r.ttl)],
      ["Data", (r) => h("ul", {class: "plain mono"}, r.contents.map((c) => h("li", {}, c)))],
      ["", remove],
    ], list)]) : h("p", {class: "empty"}, "No records yet: the zone answers only its SOA and name servers."),
    h("h3", {}, "Add or replace a record set"),
    form({id: "dns-record-form"}, [
      field("Name", {name: "name", value: "@", required: true, autocomplete: "off"},
        `@ for ${z.unicode_name} itself, www for www.${z.unicode_name}; any script, as you write it`),
      typeField,
      field("TTL (seconds)", {type: "number", name: "ttl", value: "3600", min: 60, max: 604800, required: true}),
      contents,
    ], "Save record set", async (v, el) => {
      const rrset = {name: v.name.trim(), type: v.type, ttl: Number(v.ttl), contents: contentsOf(v.type, v.contents)};
      const typed = rrset.name.toLowerCase();
      const same = (r) => r.type === rrset.type && [r.name, r.unicode_name].some((n) => n === typed
        || n === `${typed}.` || n === `${typed}.${z.name}.` || n === `${typed}.${z.unicode_name}.`
        || (typed === "@" && n === `${z.name}.`));
      await save([...z.records.filter((r) => !same(r)), rrset], `${rrset.name} ${rrset.type} saved.`);
      el.reset();
    }));
}

function stop(ctx, z, path) {
  return card("dns-stop", "Stop hosting",
    h("p", {}, z.signed ? "Unsign the zone first: a signed zone cannot leave the hosting."
      : "The zone is deleted and the hosting name servers leave the name."),
    form({id: "dns-stop-form", danger: true}, [
      field(`Yes, stop hosting ${z.unicode_name}`, {type: "checkbox", name: "sure", required: true}),
    ], "Stop hosting", async () => {
      await del(path);
      await ctx.go(`/domains/${encodeURIComponent(z.name)}`);
    }));
}

