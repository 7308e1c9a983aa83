// Notifications: what needs your attention now, read from your account, names and orders
// (unverified address, names expiring without auto-renew, transfers away waiting for an
// answer, names to restore, order items that failed); and the messages the site sent you
// (GET /api/notifications, whether mailed or not), unread first marked, to mark read.

import {h, replace} from "../../common/dom.js";
import {get, post} from "../../common/api.js";
import {busy, card, day, messageBox, pageTitle, say} from "../../common/ui.js";

const SOON_DAYS = 30;

export async function page(ctx) {
  const [user, names, orders, sent] = await Promise.all([ctx.refreshUser(), get("/api/domains"),
    get("/api/orders"), get("/api/notifications")]);
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
    card("attention", "Needs your attention",
      notes.length ? h("ul", {class: "notes", id: "notes"}, notes.map(([kind, text]) => h("li", {class: `message ${kind}`}, text)))
        : h("p", {class: "empty"}, "Nothing needs your attention.")),
    messages(ctx, sent),
    h("p", {class: "hint"}, `Messages are mailed to ${user.email} as well, unless you chose not to get them by mail. `,
      h("a", {href: "/account#mail"}, "Choose which"), ".")];
}

/** The messages the site sent (newest first, at most 100), each marked read or not. */
function messages(ctx, sent) {
  const box = messageBox();
  const section = card("messages", "Messages");
  const draw = (listing) => {
    const all = h("button", {type: "button", class: "secondary", id: "mark-all-read"}, "Mark all read");
    all.addEventListener("click", () => busy(all, box, async () => {
      await post("/api/notifications/read", {all: true});
      draw(await get("/api/notifications"));
      ctx.refreshNav();
      say(box, "All messages are marked read.", "ok");
    }));
    const item = (n) => {
      const read = h("button", {type: "button", class: "secondary", "aria-label": `Mark read: ${n.subject}`}, "Mark read");
      read.addEventListener("click", () => busy(read, box, async () => {
        await post("/api/notifications/read", {ids: [n.id]});
        draw(await get("/api/notifications"));
        ctx.refreshNav();
      }));
      return h("li", {class: n.read ? "read" : "unread", "data-id": String(n.id)},
        h("span", {class: `badge ${n.read ? "" : "warn"}`}, n.read ? "read" : "new"), " ",
        n.link ? h("a", {href: n.link}, n.subject) : h("span", {}, n.subject),
        h("span", {class: "when"}, ` ${day(n.at)} ${String(n.at).slice(11, 16)} UTC`),
        n.read ? null : [" ", read]);
    };
    ctx.state.unread = listing.unread;
    replace(section, h("h2", {id: "messages-h"}, "Messages"),
      h("p", {id: "unread-count"}, listing.unread ? `${listing.unread} unread` : "No unread messages."),
      listing.unread ? h("div", {class: "actions"}, all) : null, box,
      listing.notifications.length
        ? h("ul", {class: "messages-list", id: "message-list"}, listing.notifications.map(item))
        : h("p", {class: "empty"}, "No messages yet."));
  };
  draw(sent);
  return section;
}
