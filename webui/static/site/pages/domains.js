// My domains: each name with its state, expiry, auto-renew and its locks at a glance (the
// locks come from each name's registry record, filled in as they arrive).

import {h, replace} from "../../common/dom.js";
import {get} from "../../common/api.js";
import {day, pageTitle, table} from "../../common/ui.js";

const LOCKS = ["delete", "transfer", "update", "renew"];

export async function page() {
  const names = await get("/api/domains");
  const lockCells = new Map();
  const view = table("Your domains", [
    ["Name", (d) => h("a", {href: `/domains/${encodeURIComponent(d.name)}`, class: "domain"}, d.unicode_name)],
    ["State", (d) => h("span", {class: `badge ${d.state === "active" ? "ok" : "warn"}`}, d.state.replace("_", " "))],
    ["Expires", (d) => day(d.expires_at)],
    // a name deleted at the registry is not renewed whatever its flag says: restore it
    ["Auto-renew", (d) => (d.state === "redemption" ? "n/a (restore it)" : d.auto_renew ? "on" : "off")],
    ["Locks", (d) => {
      const cell = h("span", {class: "locks"}, "…");
      lockCells.set(d.name, cell);
      return cell;
    }],
  ], names, "You hold no names yet: search for one.");
  for (const d of names) {
    get(`/api/domains/${encodeURIComponent(d.name)}`).then((detail) => {
      const on = LOCKS.filter((lock) => detail.locks[lock]);
      replace(lockCells.get(d.name), on.length ? on.map((l) => h("span", {class: "badge"}, l)) : "none");
    }, (e) => replace(lockCells.get(d.name), h("span", {class: "reason"}, e.message)));
  }
  return [pageTitle("My domains"), view, h("p", {}, h("a", {href: "/"}, "Find another name"))];
}
