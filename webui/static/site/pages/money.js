// Money: the account's ledger, the orders and one order with its items.

import {h} from "../../common/dom.js";
import {get} from "../../common/api.js";
import {day, pageTitle, table} from "../../common/ui.js";
import {orderItems} from "./cart.js";

export async function ledger(ctx) {
  const [user, entries] = await Promise.all([ctx.refreshUser(), get("/api/account/ledger")]);
  return [pageTitle("Ledger"),
    h("p", {}, "Balance: ", h("strong", {id: "ledger-balance"}, user.balance.text), " · ",
      h("a", {href: "/account/funds"}, "Add funds")),
    table("Ledger entries", [
      ["Date", (e) => day(e.at)],
      ["What", (e) => [e.description, e.order_id ? [" (", h("a", {href: `/orders/${e.order_id}`}, `order ${e.order_id}`), ")"] : null]],
      ["Kind", (e) => e.kind],
      ["Amount", (e) => e.amount.text],
      ["Balance", (e) => e.balance_after.text],
    ], entries, "No money has moved yet.")];
}

export async function orders() {
  const list = await get("/api/orders");
  return [pageTitle("Orders"), table("Orders", [
    ["Order", (o) => h("a", {href: `/orders/${o.id}`}, `#${o.id}`)],
    ["Date", (o) => day(o.created_at)],
    ["Names", (o) => o.items.map((i) => i.unicode_name).join(", ")],
    ["Total", (o) => o.total.text],
    ["Refunded", (o) => (o.refunded.amount ? o.refunded.text : "—")],
    ["Status", (o) => h("span", {class: `badge ${o.status === "done" ? "ok" : "warn"}`}, o.status)],
  ], list, "No orders yet.")];
}

export async function order(ctx) {
  const o = await get(`/api/orders/${encodeURIComponent(ctx.params.id)}`);
  return [pageTitle(`Order #${o.id}`),
    h("dl", {class: "facts"},
      h("dt", {}, "Placed"), h("dd", {}, day(o.created_at)),
      h("dt", {}, "Status"), h("dd", {}, o.status),
      h("dt", {}, "Total"), h("dd", {}, o.total.text),
      h("dt", {}, "Refunded"), h("dd", {}, o.refunded.text)),
    orderItems(o)];
}
