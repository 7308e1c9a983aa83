// Adding funds: a top-up by one of the site's payment providers (each takes the user to its
// own checkout page, Stripe Checkout for cards, and sends them back to /payments/N: no
// provider's script runs on these pages), the page a provider sends the user back to
// (followed until the verified payment credits the balance), and the list of payments.

import {h, replace} from "../../common/dom.js";
import {get, post} from "../../common/api.js";
import {day, field, form, money, pageTitle, table} from "../../common/ui.js";

const POLL_MS = 2000;
const NAMES = {stripe: "Card (Stripe)", paypal: "PayPal", nowpayments: "Crypto (NowPayments)"};
const SETTLED = new Set(["paid", "failed", "refunded"]);

export async function funds(ctx) {
  const [offer, payments] = await Promise.all([get("/api/payments/providers"), get("/api/payments")]);
  const nodes = [pageTitle("Add funds"),
    h("p", {}, "Your balance: ", h("strong", {}, ctx.state.user.balance.text),
      ". Orders and renewals are paid from it.")];
  if (!offer.providers.length) {
    nodes.push(h("p", {class: "message info", role: "status"},
      "This site takes no online payments yet: the site's operators credit accounts."));
  } else {
    const digits = new Intl.NumberFormat("en", {style: "currency", currency: offer.currency})
      .resolvedOptions().maximumFractionDigits;
    nodes.push(form({id: "funds-form"}, [
      field(`Amount (${offer.currency})`, {type: "number", name: "amount", required: true,
        min: offer.min_amount / 10 ** digits, max: offer.max_amount / 10 ** digits,
        step: 1 / 10 ** digits, inputmode: "decimal"},
      `From ${money(offer.min_amount, offer.currency)} to ${money(offer.max_amount, offer.currency)}.`),
      field("Pay with", {type: "select", name: "provider", options: offer.providers.map((p) => [p, NAMES[p] || p])}),
    ], "Continue to payment", async (v) => {
      const amount = Math.round(Number(v.amount) * 10 ** digits);
      const payment = await post("/api/payments", {provider: v.provider, amount});
      if (payment.checkout_url) {
        location.assign(payment.checkout_url);  // the provider's page; it sends the user back
      } else {
        await ctx.go(`/payments/${payment.id}`);
      }
    }));
  }
  nodes.push(h("h2", {}, "Your payments"), paymentTable(payments));
  return nodes;
}

function paymentTable(payments) {
  return table("Payments", [
    ["Payment", (p) => h("a", {href: `/payments/${p.id}`}, `#${p.id}`)],
    ["Date", (p) => day(p.created_at)],
    ["By", (p) => NAMES[p.provider] || p.provider],
    ["Amount", (p) => p.amount.text],
    ["Received", (p) => p.received.text],
    ["Status", (p) => h("span", {class: `badge ${p.status === "paid" ? "ok" : p.status === "failed" ? "error" : "warn"}`}, p.status)],
  ], payments, "No payments yet.");
}

export async function payment(ctx) {
  const path = `/api/payments/${encodeURIComponent(ctx.params.id)}`;
  const root = h("div", {id: "payment"});
  const cancelled = ctx.query.get("cancelled") === "1";
  const draw = (p) => replace(root, pageTitle(`Payment #${p.id}`),
    cancelled && !SETTLED.has(p.status) && !p.received.amount
      ? h("p", {class: "message warn", role: "status"},
        "You came back without paying: nothing was charged. The payment stays open: pay it on the provider's page, or add funds another way.")
      : h("p", {class: `message ${p.status === "paid" ? "ok" : p.status === "failed" ? "error" : "info"}`, role: "status"},
        p.status === "paid" ? `${p.received.text} arrived and is on your balance.`
          : p.status === "failed" ? `The payment failed${p.error ? `: ${p.error}` : "."}`
            : p.status === "refunded" ? "The payment was refunded."
              : "Waiting for the provider to confirm the payment (this page follows it)…"),
    h("dl", {class: "facts"},
      h("dt", {}, "By"), h("dd", {}, NAMES[p.provider] || p.provider),
      h("dt", {}, "Amount"), h("dd", {}, p.amount.text),
      h("dt", {}, "Received"), h("dd", {}, p.received.text),
      h("dt", {}, "Status"), h("dd", {id: "payment-status"}, p.status)),
    p.checkout_url && !SETTLED.has(p.status) ? h("p", {}, h("a", {href: p.checkout_url}, "Go to the provider's payment page")) : null,
    h("p", {}, h("a", {href: "/account/funds"}, "Add funds"), " · ", h("a", {href: "/account/ledger"}, "Ledger")));
  let current = await get(path);
  draw(current);
  const follow = async () => {
    if (!root.isConnected || SETTLED.has(current.status)) return;
    try {
      const fresh = await get(path);
      if (fresh.status !== current.status || fresh.received.amount !== current.received.amount) {
        current = fresh;
        draw(fresh);
        if (fresh.status === "paid") await ctx.refreshUser();
      }
    } catch (e) { /* keep following: the next answer tells */ }
    setTimeout(follow, POLL_MS);
  };
  setTimeout(follow, POLL_MS);
  return root;
}
