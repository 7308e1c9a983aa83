// The operators' console: the shell, logging in (with the second factor, enrolling it
// first if the operator has none), and the router over the console's pages.

import {h, replace} from "../common/dom.js";
import {ApiError, del, get, loadSession, post, setCsrf} from "../common/api.js";
import {errorText, field, form, say} from "../common/ui.js";
import {BASE, link} from "./links.js";
import {registryPages} from "./registry.js";
import {sitePages} from "./site.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const quick = document.getElementById("quick");
const NAV = [["TLDs", "/tlds"], ["Registrars", "/registrars"], ["Domains", "/domains"],
  ["Zones", "/zones"], ["Outbox", "/events"], ["Poll", "/poll"], ["Users", "/users"],
  ["Orders", "/orders"], ["Payments", "/payments"], ["Mail", "/mails"],
  ["Upstreams", "/upstreams"], ["Audit log", "/audit"]];
const ROUTES = [...registryPages, ...sitePages];
let operator = null;

/** Moves to a console path without reloading. */
export function go(path) {
  history.pushState(null, "", path);
  return render();
}

async function render() {
  const path = location.pathname.replace(/\/+$/, "") || BASE;
  const query = new URLSearchParams(location.search);
  const tail = path.slice(BASE.length) || "/";
  for (const a of nav.querySelectorAll("a")) {
    const current = tail.startsWith(a.dataset.tail);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const route = ROUTES.find(([pattern]) => pattern.test(tail));
  // what was shown stays until the page is ready; a busy line says it is coming
  const loading = h("p", {class: "loading", "aria-busy": "true"}, "Loading…");
  main.append(loading);
  try {
    if (!route) {
      replace(main, h("h1", {}, "Not found"), h("p", {}, "No console page here. ",
        link(BASE, "Back to the start")));
    } else {
      const match = tail.match(route[0]);
      const params = match.slice(1).map(decodeURIComponent);
      document.title = "PyRar console";
      await route[1]({main, params, query, operator, go});
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return start();
    replace(main, h("h1", {}, "Something went wrong"),
      h("p", {class: "message error", role: "alert"}, errorText(e)));
  } finally {
    loading.remove();
  }
  main.focus({preventScroll: true});
}

function buildNav() {
  replace(nav, NAV.map(([text, tail]) => h("li", {},
    h("a", {href: BASE + tail, dataset: {tail}}, text))),
  h("li", {}, h("span", {class: "badge role"}, operator.role)),
  h("li", {}, h("button", {type: "button", class: "secondary", onclick: logout}, "Log out")));
  quick.hidden = false;
}

async function logout() {
  await del("/api/session");
  setCsrf(null);
  history.pushState(null, "", BASE);
  await start();
}

async function start() {
  operator = null;
  quick.hidden = true;
  replace(nav);
  const session = await loadSession();
  if (!session) return loginPage();
  if (session.needs_second_factor) return codePage();
  try {
    operator = await get("/api/admin/me");
  } catch (e) {
    if (e instanceof ApiError && e.status === 403 && /two-factor/.test(e.message)) {
      return enrolPage();
    }
    if (e instanceof ApiError && e.status === 401) return loginPage();
    replace(main, h("h1", {}, "Not an operator"),
      h("p", {class: "message error", role: "alert"}, errorText(e)));
    return;
  }
  buildNav();
  return render();
}

function loginPage() {
  document.title = "Log in · PyRar console";
  const email = field("Email", {type: "email", name: "email", required: true,
    autocomplete: "username"});
  const password = field("Password", {type: "password", name: "password", required: true,
    autocomplete: "current-password"});
  replace(main, h("h1", {}, "Operators' console"),
    form({class: "card", "aria-label": "Log in"}, [email, password], "Log in", async (v) => {
      const answer = await post("/api/session", {email: v.email, password: v.password});
      setCsrf(answer.session.csrf_token);
      await start();
    }));
  email.input.focus();
}

function codePage() {
  document.title = "Second factor · PyRar console";
  const code = field("Code from your authenticator app", {name: "code", required: true,
    inputmode: "numeric", autocomplete: "one-time-code"});
  replace(main, h("h1", {}, "Second factor"),
    form({class: "card", "aria-label": "Second factor"}, [code], "Continue", async (v) => {
      const answer = await post("/api/session/2fa", {code: v.code});
      setCsrf(answer.session.csrf_token);
      await start();
    }));
  code.input.focus();
}

async function enrolPage() {
  document.title = "Two-factor authentication · PyRar console";
  const box = h("div", {class: "messages", "aria-live": "polite"});
  replace(main, h("h1", {}, "Turn on two-factor authentication"),
    h("p", {}, "Operators must use a second factor before they can do anything in the " +
      "console. Add this key to your authenticator app, then give the code it shows."), box);
  let setup;
  try {
    setup = await post("/api/account/2fa/setup");
  } catch (e) {
    say(box, errorText(e), "error");
    return;
  }
  const code = field("Code from your authenticator app", {name: "code", required: true,
    inputmode: "numeric", autocomplete: "one-time-code"});
  main.append(
    h("dl", {class: "facts card"}, h("dt", {}, "Key"),
      h("dd", {}, h("code", {id: "totp-secret"}, setup.secret)),
      h("dt", {}, "Link"), h("dd", {}, h("code", {class: "mono"}, setup.otpauth_uri))),
    form({class: "card", "aria-label": "Confirm the second factor"}, [code], "Turn on",
      async (v) => {
        const answer = await post("/api/account/2fa/enable", {code: v.code});
        replace(main, h("h1", {}, "Two-factor authentication is on"),
          h("p", {}, "Keep these recovery codes somewhere safe: each works once, if you " +
            "lose your device. They are not shown again."),
          h("ul", {id: "recovery-codes", class: "mono"},
            answer.recovery_codes.map((c) => h("li", {}, c))),
          h("button", {type: "button", onclick: () => start()}, "Continue to the console"));
      }));
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey ||
      event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === BASE ||
      url.pathname.startsWith(BASE + "/")) || !operator) return;
  event.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener("popstate", () => operator && render());
quick.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = quick.elements.q.value.trim();
  if (q) go(`${BASE}/search?q=${encodeURIComponent(q)}`);
});

start().catch((e) => replace(main, h("p", {class: "message error", role: "alert"},
  errorText(e)))).finally(() => {
  document.body.dataset.ready = "true";
});
