// Notifications: what needs your attention now, read from your account, names and orders
// (unverified address, names expiring without auto-renew, transfers away waiting for an
// answer, names to restore, order items that failed). The mails themselves go to your
// address.

import {h} from "../../common/dom.js";
import {get} from "../../common/api.js";
import {day, pageTitle} from "../../common/ui.js";

const SOON_DAYS = 30;

export async function page(ctx) {
  const [user, names, orders] = await Promise.all([ctx.refreshUser(), get("/api/domains"),
    get("/api/orders")]);
  const notes = [];
  const link = (d) => h("a", {href: `/domains/${encodeURIComponent(d.name)}`, class: "domain"}, d.unicode_name);
  if (!user.verified) {
    notes.push(["warn", ["Your address is not verified: you cannot buy names yet. ",
      h("a", {href: "/account"}, "Mail the link again"), "."]]);
  }
  if (!user.two_factor) {
    notes.push(["info", ["Two-factor authentication is off. ", h("a", {href: "/account#security"}, "Turn it on"), "."]]);
  }
  const soon = Date.now() + SOON_DAYS * 86400e3;
  for (const d of names) {
    if (d.state === "transfer_pending" || d.state === "pending_transfer") {
      notes.push(["warn", ["A transfer of ", link(d), " is pending."]]);
    } else if (d.state === "redemption") {
      notes.push(["error", [link(d), " was deleted and can be restored until the registry purges it."]]);
    } else if (d.expires_at && Date.parse(d.expires_at) < soon) {
      notes.push([d.auto_renew ? "info" : "warn", [link(d), ` expires on ${day(d.expires_at)}`,
        d.auto_renew ? " and renews automatically from your balance." : ": renew it or turn auto-renew on."]]);
    }
  }
  const active = names.filter((n) => n.state === "active");
  const details = await Promise.all(active.map((d) => get(`/api/domains/${encodeURIComponent(d.name)}`)));
  active.forEach((d, i) => {
    if (details[i].statuses.includes("pendingTransfer")) {
      notes.push(["warn", ["Another registrar asked to take ", link(d), ": approve or reject it."]]);
    }
  });
  for (const o of orders.slice(0, 20)) {
    for (const item of o.items.filter((i) => i.status === "failed")) {
      notes.push(["error", [h("a", {href: `/orders/${o.id}`}, `Order #${o.id}`), `: ${item.operation} of `,
        item.unicode_name, ` failed (${item.error || "refused"}); ${item.price.text} refunded.`]]);
    }
  }
  return [pageTitle("Notifications"),
    notes.length ? h("ul", {class: "notes", id: "notes"}, notes.map(([kind, text]) => h("li", {class: `message ${kind}`}, text)))
      : h("p", {class: "empty"}, "Nothing needs your attention."),
    h("p", {class: "hint"}, `Mails about your names go to ${user.email}. `,
      h("a", {href: "/account#mail"}, "Choose which"), ".")];
}
