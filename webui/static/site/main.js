// The registrar site: one HTML shell, pages routed in the browser (history API), every
// page drawn from the JSON API with DOM calls (never HTML strings).

import {h, replace} from "../common/dom.js";
import {del, get, loadSession, setCsrf} from "../common/api.js";
import {errorText, pageTitle} from "../common/ui.js";
import {state} from "./state.js";
import * as auth from "./pages/auth.js";
import * as search from "./pages/search.js";
import * as cart from "./pages/cart.js";
import * as account from "./pages/account.js";
import * as money from "./pages/money.js";
import * as domains from "./pages/domains.js";
import * as domain from "./pages/domain.js";
import * as notifications from "./pages/notifications.js";
import * as dns from "./pages/dns.js";
import * as payments from "./pages/payments.js";

// [pattern, page, needs a logged-in user]
const ROUTES = [
  ["/", search.page, false],
  ["/search", search.page, false],
  ["/cart", cart.page, false],
  ["/login", auth.login, false],
  ["/login/2fa", auth.secondFactor, false],
  ["/register", auth.register, false],
  ["/verify", auth.verify, false],
  ["/reset", auth.reset, false],
  ["/gift", auth.gift, true],
  ["/account", account.page, true],
  ["/account/ledger", money.ledger, true],
  ["/account/funds", payments.funds, true],
  ["/payments/:id", payments.payment, true],
  ["/orders", money.orders, true],
  ["/orders/:id", money.order, true],
  ["/domains", domains.page, true],
  ["/domains/:name", domain.page, true],
  ["/domains/:name/dns", dns.page, true],
  ["/notifications", notifications.page, true],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");

function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const [pattern, page, needsUser] of ROUTES) {
    const want = pattern.split("/").filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(":")
      ? (params[w.slice(1)] = decodeURIComponent(parts[i]), true) : w === parts[i]))) {
      return {page, needsUser, params};
    }
  }
  return null;
}

/** Shows the page at path (a same-site path with its query); push: a new history entry. */
export async function go(path, push = true) {
  if (push) history.pushState(null, "", path);
  await render();
}

/** The user as the API has them now (balance, 2FA, ...), after anything that changes them. */
export async function refreshUser() {
  const [user, sent] = state.session && !state.session.needs_second_factor
    ? await Promise.all([get("/api/account"), get("/api/notifications?unread=1")]) : [null, null];
  state.user = user;
  state.unread = sent ? sent.unread : 0;
  drawNav();
  return state.user;
}

export async function logout() {
  try {
    await del("/api/session");
  } finally {
    setCsrf(null);
    state.session = null;
    state.user = null;
    state.unread = 0;
    state.cart = [];
    await go("/login?out=1");
  }
}

function drawNav() {
  const here = location.pathname;
  const link = (href, text) => h("li", {}, h("a", {
    href, "aria-current": (href === "/" ? here === "/" || here === "/search"
      : here === href || here.startsWith(`${href}/`)) ? "page" : false}, text));
  const cartText = state.cart.length ? `Cart (${state.cart.length})` : "Cart";
  replace(nav,
    link("/", "Search"), link("/cart", cartText),
    state.user ? [
      link("/domains", "My domains"), link("/orders", "Orders"),
      link("/notifications", state.unread ? `Notifications (${state.unread})` : "Notifications"),
      link("/account", "Account"),
      h("li", {}, h("button", {type: "button", class: "linklike", id: "logout",
        onclick: () => logout()}, "Log out")),
    ] : [link("/login", "Log in"), link("/register", "Register")]);
}

async function render(focus = true) {
  const found = match(location.pathname);
  const ctx = {
    params: found ? found.params : {},
    query: new URLSearchParams(location.search),
    go, refreshUser, state, refreshNav: drawNav,
  };
  drawNav();
  try {
    if (!found) {
      replace(main, pageTitle("Page not found"),
        h("p", {}, "There is no page here. ", h("a", {href: "/"}, "Search for a name"), "."));
    } else if (found.needsUser && !state.user) {
      const next = location.pathname + location.search;
      history.replaceState(null, "", `/login?next=${encodeURIComponent(next)}`);
      await render(focus);
      return;
    } else {
      replace(main, h("p", {"aria-busy": "true"}, "Loading…"));
      const nodes = await found.page(ctx);
      replace(main, nodes);
    }
  } catch (e) {
    if (e.status === 401 && found && found.needsUser) {
      // the session ended (expired, or logged out elsewhere): log in again, then come back
      state.session = null;
      state.user = null;
      setCsrf(null);
      const next = location.pathname + location.search;
      history.replaceState(null, "", `/login?next=${encodeURIComponent(next)}`);
      await render(focus);
      return;
    }
    replace(main, pageTitle("Something went wrong"),
      h("p", {class: "message error", role: "alert"}, errorText(e)),
      h("p", {}, h("a", {href: location.pathname + location.search}, "Try again")));
  }
  const title = main.querySelector("h1");
  if (title && focus) title.focus();
}

// Same-site links change the page without reloading it (the API and files are not pages).
document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
    || event.shiftKey || event.altKey || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || /^\/(api|static)\//.test(url.pathname)) return;
  if (url.pathname === location.pathname && url.hash) return;
  event.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener("popstate", () => render());

async function start() {
  try {
    state.session = await loadSession();
    await refreshUser();
  } catch (e) {
    state.session = null;
  }
  await render(false);
  document.body.dataset.ready = "true";
}

start();
