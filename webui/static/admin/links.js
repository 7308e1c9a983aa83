// Links between the console's records: every name, registrar, user, order and TLD shown
// anywhere links to its own page. Navigation stays in the page (history API).

import {h} from "../common/dom.js";

export const BASE = "/admin";

const enc = encodeURIComponent;

export const paths = {
  tld: (name) => `${BASE}/tlds/${enc(name)}`,
  registrar: (clid) => `${BASE}/registrars/${enc(clid)}`,
  domain: (name) => `${BASE}/domains/${enc(name)}`,
  user: (id) => `${BASE}/users/${enc(id)}`,
  order: (id) => `${BASE}/orders/${enc(id)}`,
  poll: (clid) => `${BASE}/poll/${enc(clid)}`,
  zone: (tld) => `${BASE}/zones/${enc(tld)}`,
  upstream: (name) => `${BASE}/upstreams/${enc(name)}`,
};

/** A link inside the console: link("/admin/tlds", "TLDs"). */
export function link(href, text) {
  return h("a", {href}, text);
}

/** A link to a record of a kind: to("domain", "x.example"). */
export function to(kind, key, text = null) {
  if (key === null || key === undefined || key === "") return "";
  return link(paths[kind](key), text === null ? String(key) : text);
}

/** The link for an audit log entry's object, where it has a page. */
export function objectLink(type, name) {
  if (type === "premium") return to("tld", name.split(/[:#]/)[0], name);
  if (type === "reserved") return to("tld", name.slice(name.indexOf(".") + 1), name);
  if (type === "user") return to("user", name, `user #${name}`);
  if (type in paths) return to(type, name);
  return name;
}
