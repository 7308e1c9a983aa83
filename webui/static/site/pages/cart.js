// The cart and checkout: each name with its operation and years, the price the search
// showed, then one order paid from the balance; the order's progress is shown item by item
// until it is done (each item done, or failed and refunded, with the registry's reason).
// When the balance is short, the order may be paid by a provider instead: a payment for
// what the balance lacks, made on the provider's page, which sends the user back here
// (/cart?payment=N); this page then follows the payment until its order is placed.

import {h, replace} from "../../common/dom.js";
import {get, post} from "../../common/api.js";
import {placeOrder} from "../orders.js";
import {busy, field, messageBox, money, pageTitle, progress, say, table} from "../../common/ui.js";

const POLL_MS = 1000;
const PAY_BY = {stripe: "Pay by card", paypal: "Pay with PayPal", nowpayments: "Pay in crypto"};

export async function page(ctx) {
  const {state} = ctx;
  const list = h("div", {id: "cart-items"});
  const box = messageBox();
  const outcome = h("div", {id: "order-outcome"});
  const checkout = h("button", {type: "button", id: "checkout"}, "Buy now");
  const payBy = h("div", {id: "pay-by", class: "actions", hidden: true});
  const returned = ctx.query.get("payment");
  if (returned && state.user) {
    followPayment(ctx, returned, ctx.query.get("cancelled") === "1", outcome);
  }
  const offer = state.user ? await get("/api/payments/providers").catch(() => null) : null;
  const cartItems = () => state.cart.map((item) => ({name: item.name, operation: item.operation,
    years: item.years, ...(item.operation === "transfer" ? {auth_code: item.auth_code} : {})}));
  const drawPayBy = (total) => {
    const short = state.user && offer && offer.providers.length && state.cart.length
      && total > state.user.balance.amount;
    payBy.hidden = !short;
    if (!short) return false;
    const lacking = total - Math.max(state.user.balance.amount, 0);
    replace(payBy, h("p", {}, `Your balance is ${money(lacking, offer.currency)} short. Pay `,
      h("strong", {}, money(Math.max(lacking, offer.min_amount), offer.currency)),
      " by a provider, and the order is placed from your balance once the payment arrives:"),
    ...offer.providers.map((provider) => {
      const button = h("button", {type: "button", class: "pay-by", "data-provider": provider},
        PAY_BY[provider] || `Pay with ${provider}`);
      button.addEventListener("click", () => busy(button, box, async () => {
        const payment = await post("/api/payments/orders", {provider, items: cartItems()});
        if (payment.checkout_url) {
          location.assign(payment.checkout_url);  // the provider's page; it sends the user back
        } else {
          await ctx.go(`/cart?payment=${payment.id}`);
        }
      }));
      return button;
    }));
    return true;
  };
  const draw = () => {
    replace(list, table("Cart", [
      ["Name", (item) => h("strong", {class: "domain"}, item.unicode_name)],
      ["Operation", (item) => item.operation],
      ["Years", (item) => yearsControl(item, draw)],
      ["Auth code", (item) => (item.operation === "transfer" ? authControl(item) : "—")],
      ["Price", (item) => money(item.prices[item.operation] * (item.operation === "restore" ? 1 : item.years), item.currency)],
      ["", (item) => h("button", {type: "button", class: "secondary",
        "aria-label": `Remove ${item.unicode_name}`, onclick: () => {
          state.cart.splice(state.cart.indexOf(item), 1);
          ctx.refreshNav();
          draw();
        }}, "Remove")],
    ], state.cart, "Your cart is empty: search for a name to add it."));
    const total = state.cart.reduce((sum, item) => sum + item.prices[item.operation]
      * (item.operation === "restore" ? 1 : item.years), 0);
    if (state.cart.length) {
      list.append(h("p", {class: "total"}, "Total: ",
        h("strong", {}, money(total, state.cart[0].currency)),
        state.user ? ` · your balance: ${state.user.balance.text}` : ""));
    }
    // the balance cannot pay it: "Buy now" would only be refused
    checkout.hidden = drawPayBy(total) || !state.cart.length;
  };
  draw();
  checkout.addEventListener("click", () => {
    if (!state.user) {
      ctx.go("/login?next=/cart");
      return;
    }
    busy(checkout, box, () => buy(ctx, outcome, draw));
  });
  return [pageTitle("Cart"), list, h("div", {class: "actions"}, checkout), payBy, box, outcome];
}

/** Back from a provider's page: follows the payment until it is settled and its order
 *  placed (or found impossible, the money then in the balance), then the order. */
async function followPayment(ctx, id, cancelled, outcome) {
  const box = messageBox();
  replace(outcome, h("h2", {}, `Payment #${id}`), box);
  const path = `/api/payments/${encodeURIComponent(id)}`;
  let shown = false;  // once on the page, leaving the page stops the following
  for (;;) {
    let p;
    try {
      p = await get(path);
    } catch (e) {
      say(box, e.message, "error");
      return;
    }
    if (p.order_id) {
      clearCart(ctx);
      const order = await get(`/api/orders/${p.order_id}`);
      if (order.status === "done") {
        replace(outcome, h("h2", {}, "Your order"));
        showOrder(outcome, order);
        outcome.querySelector("[role=status]").focus();
        await ctx.refreshUser();
        return;
      }
      say(box, `${p.received.text} arrived: order ${order.id} is being carried out…`);
    } else if (p.status === "paid" && p.error) {
      say(box, `${p.received.text} arrived and is in your balance, but ${p.error}.`, "warn");
      await ctx.refreshUser();
      return;
    } else if (p.status === "failed" || p.status === "refunded") {
      say(box, `The payment ${p.status}${p.error ? `: ${p.error}` : "."} Nothing was ordered.`, "error");
      return;
    } else if (cancelled && !p.received.amount) {
      replace(box, h("p", {class: "message warn", role: "status"},
        "You came back without paying: nothing was charged and nothing ordered. ",
        p.checkout_url ? h("a", {href: p.checkout_url}, "Pay on the provider's page") : null));
      return;
    } else {
      say(box, "Waiting for the provider to confirm the payment (this page follows it)…");
    }
    if (outcome.isConnected) shown = true;
    else if (shown) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function clearCart(ctx) {
  if (ctx.state.cart.length) {
    ctx.state.cart = [];
    ctx.refreshNav();
  }
}

function yearsControl(item, draw) {
  if (item.operation === "restore") return "—";
  const select = field("Years", {type: "select", name: "years", value: String(item.years),
    options: [1, 2, 3, 4, 5, 10].map((n) => [String(n), String(n)])});
  select.classList.add("compact");
  select.input.addEventListener("change", () => {
    item.years = Number(select.input.value);
    draw();
  });
  return select;
}

function authControl(item) {
  const control = field("Auth code", {name: "auth_code", value: item.auth_code,
    autocomplete: "off", required: true});
  control.classList.add("compact");
  control.input.addEventListener("input", () => { item.auth_code = control.input.value; });
  return control;
}

/** Places the cart as one order and follows it until it is done. */
async function buy(ctx, outcome, draw) {
  const {state} = ctx;
  const items = state.cart.map((item) => ({name: item.name, operation: item.operation,
    years: item.years, ...(item.operation === "transfer" ? {auth_code: item.auth_code} : {})}));
  const bar = progress("Order progress");
  replace(outcome, h("h2", {}, "Your order"), bar);
  bar.update(0, items.length, `Paying and carrying out ${items.length} item(s)…`);
  const order = await placeOrder(items, (settled, total) => {
    if (state.cart.length) {  // paid: the cart is the order now
      state.cart = [];
      ctx.refreshNav();
      draw();
    }
    bar.update(settled, total, `${settled} of ${total} done…`);
  });
  state.cart = [];
  ctx.refreshNav();
  draw();
  showOrder(outcome, order, bar);
  outcome.querySelector("[role=status]").focus();  // the button is gone: the result has focus
  await ctx.refreshUser();
}

export function showOrder(outcome, order, bar = null) {
  const done = order.items.filter((i) => i.status === "done").length;
  if (bar) bar.update(order.items.length, order.items.length, `${done} of ${order.items.length} done`);
  const box = messageBox();
  const said = say(box, order.refunded.amount
    ? `Order ${order.id}: ${done} of ${order.items.length} done; ${order.refunded.text} refunded to your balance.`
    : `Order ${order.id} is done: ${order.total.text} paid.`, done === order.items.length ? "ok" : "warn");
  said.tabIndex = -1;
  outcome.append(box, orderItems(order));
}

export function orderItems(order) {
  return table(`Items of order ${order.id}`, [
    ["Name", (i) => (i.status === "done"
      ? h("a", {href: `/domains/${encodeURIComponent(i.name)}`, class: "domain"}, i.unicode_name)
      : h("span", {class: "domain"}, i.unicode_name))],
    ["Operation", (i) => `${i.operation} (${i.years} y)`],
    ["Price", (i) => i.price.text],
    ["Result", (i) => [h("span", {class: `badge ${i.status === "done" ? "ok" : i.status === "failed" ? "error" : ""}`}, i.status),
      i.error ? h("div", {class: "reason"}, i.error) : null]],
  ], order.items);
}
