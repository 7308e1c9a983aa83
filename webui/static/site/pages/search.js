// Search: a name (Unicode welcome: IDN and emoji, shown as typed) across the TLDs on sale,
// with availability, the reason a name cannot be had (reserved, taken, policy), premium
// classes and the prices of each operation side by side; available names go to the cart.

import {h, replace} from "../../common/dom.js";
import {get} from "../../common/api.js";
import {busy, field, messageBox, money, pageTitle, table} from "../../common/ui.js";
import {emojiPicker} from "../emoji.js";
import {inCart, state} from "../state.js";

const OPERATIONS = ["create", "renew", "transfer", "restore"];

export async function page(ctx) {
  const q = ctx.query.get("q") || "";
  const input = field("Domain name", {type: "search", name: "q", value: q, required: true,
    autocomplete: "off", autocapitalize: "off", spellcheck: "false", id: "search-q"},
  "A name (like bücher or café or 🍕) or a full name (like café.example); any TLD below.");
  const results = h("div", {id: "search-results", "aria-live": "polite"});
  const box = messageBox();
  const button = h("button", {type: "submit"}, "Search");
  const searchForm = h("form", {class: "search", role: "search", id: "search-form"},
    input, h("div", {class: "actions"}, button, emojiPicker(input.input)), box);
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.input.value.trim();
    if (!query) return;
    history.replaceState(null, "", `/search?q=${encodeURIComponent(query)}`);
    busy(button, box, () => show(ctx, query, results, box));
  });
  const tlds = await get("/api/tlds");
  const nodes = [pageTitle("Find a domain name"), searchForm,
    h("p", {class: "hint"}, "On sale: ", tlds.map((t) => `.${t}`).join(" ")), results];
  if (q) busy(button, box, () => show(ctx, q, results, box));
  return nodes;
}

async function show(ctx, query, results, box) {
  box.replaceChildren();
  const found = await get(`/api/search?q=${encodeURIComponent(query)}`);
  const label = query.includes(".") ? query.split(".")[0] : query;
  replace(results,
    h("h2", {}, "Results for ", h("span", {class: "typed"}, query)),
    table(`Search results for ${query}`, [
      ["Name", (r) => nameCell(r, label)],
      ["Status", status],
      ["Price a year", (r) => prices(r)],
      ["", (r) => action(ctx, r)],
    ], found, "No TLD matched that name."));
}

function nameCell(r, typed) {
  // the label as the user typed it, then the name as the registry holds it
  const shown = r.unicode_name.split(".")[0] === typed.toLowerCase()
    ? r.unicode_name : `${typed}.${r.unicode_name.split(".").slice(1).join(".")}`;
  return [h("strong", {class: "domain"}, shown),
    r.name !== r.unicode_name ? h("div", {class: "hint mono"}, r.name) : null];
}

function status(r) {
  const badges = [];
  if (r.available) badges.push(h("span", {class: "badge ok"}, "Available"));
  else badges.push(h("span", {class: "badge error"}, "Not available"));
  if (r.premium) badges.push(" ", h("span", {class: "badge warn"}, `Premium: ${r.price_class}`));
  return [badges, r.reason ? h("div", {class: "reason"}, r.reason) : null];
}

function prices(r) {
  return h("dl", {class: "prices"}, OPERATIONS.filter((op) => r.prices[op] !== undefined)
    .map((op) => [h("dt", {}, op), h("dd", {}, money(r.prices[op], r.currency))]));
}

function action(ctx, r) {
  if (!r.available && r.reason && !/in use/i.test(r.reason)) return null;
  const operation = r.available ? "create" : "transfer";
  const text = r.available ? "Add to cart" : "Transfer in";
  const button = h("button", {type: "button", class: r.available ? false : "secondary"});
  const show = () => {
    const label = inCart(r.name, operation) ? "In cart" : text;
    button.textContent = label;
    button.setAttribute("aria-label", `${label}: ${r.unicode_name}`);
    button.disabled = inCart(r.name, operation);
  };
  show();
  button.addEventListener("click", () => {
    state.cart.push({name: r.name, unicode_name: r.unicode_name, operation, years: 1,
      auth_code: "", prices: r.prices, currency: r.currency});
    show();
    ctx.refreshNav();
  });
  return button;
}
