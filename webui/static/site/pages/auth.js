// Registering, verifying the address, logging in (with the second factor), resetting a
// forgotten password, and accepting a gift: the pages a mailed link or a stranger lands on.

import {h} from "../../common/dom.js";
import {post, setCsrf} from "../../common/api.js";
import {busy, field, form, messageBox, pageTitle, say} from "../../common/ui.js";

/** Where to go after logging in: a path of this site only (never another origin). */
function nextPath(query) {
  const next = query.get("next") || "/domains";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/domains";
}

async function loggedIn(ctx, answer) {
  setCsrf(answer.session.csrf_token);
  ctx.state.session = {csrf_token: answer.session.csrf_token,
    needs_second_factor: answer.session.needs_second_factor};
  if (answer.session.needs_second_factor) {
    await ctx.go(`/login/2fa?next=${encodeURIComponent(nextPath(ctx.query))}`);
    return;
  }
  await ctx.refreshUser();
  await ctx.go(nextPath(ctx.query));
}

export async function login(ctx) {
  const out = ctx.query.get("out") ? h("p", {class: "message ok", role: "status"}, "You are logged out.") : null;
  return [
    pageTitle("Log in"), out,
    form({id: "login-form"}, [
      field("Email", {type: "email", name: "email", autocomplete: "username", required: true}),
      field("Password", {type: "password", name: "password", autocomplete: "current-password",
        required: true}),
    ], "Log in", async (v) => loggedIn(ctx, await post("/api/session", v))),
    h("p", {}, h("a", {href: "/reset"}, "Forgot your password?"), " · ",
      h("a", {href: "/register"}, "Register")),
  ];
}

export async function secondFactor(ctx) {
  if (!ctx.state.session || !ctx.state.session.needs_second_factor) {
    if (ctx.state.user) return [pageTitle("Logged in"), h("p", {}, h("a", {href: "/domains"}, "Your domains"))];
    return [pageTitle("Log in first"), h("p", {}, h("a", {href: "/login"}, "Log in"))];
  }
  const finish = async (body) => {
    const answer = await post("/api/session/2fa", body);
    setCsrf(answer.session.csrf_token);
    ctx.state.session = {csrf_token: answer.session.csrf_token, needs_second_factor: false};
    await ctx.refreshUser();
    await ctx.go(nextPath(ctx.query));
  };
  return [
    pageTitle("Second factor"),
    h("p", {}, "Give the 6-digit code your authenticator app shows for this site."),
    form({id: "totp-form"}, [
      field("Code", {name: "code", inputmode: "numeric", autocomplete: "one-time-code",
        pattern: "[0-9 ]{6,8}", required: true}),
    ], "Continue", (v) => finish({code: v.code.replace(/\s/g, "")})),
    h("h2", {}, "Lost your device?"),
    form({id: "recovery-form"}, [
      field("Recovery code", {name: "recovery_code", autocomplete: "off", required: true},
        "One of the codes you saved when you turned two-factor on; each works once."),
    ], "Use recovery code", (v) => finish({recovery_code: v.recovery_code.trim()})),
  ];
}

export async function register(ctx) {
  const done = h("div");
  const registration = form({id: "register-form"}, [
    field("Email", {type: "email", name: "email", autocomplete: "email", required: true}),
    field("Password", {type: "password", name: "password", autocomplete: "new-password",
      required: true, minlength: 10}, "At least 10 characters; a few words are easy to remember."),
    field("Password again", {type: "password", name: "password2", autocomplete: "new-password",
      required: true}),
  ], "Register", async (v) => {
    if (v.password !== v.password2) throw new Error("the two passwords differ");
    const user = await post("/api/account", {email: v.email, password: v.password});
    registration.hidden = true;
    done.append(h("p", {class: "message ok", role: "status"},
      `We mailed a link to ${user.email}. Open it to verify your address, then `,
      h("a", {href: "/login"}, "log in"), "."));
  });
  return [pageTitle("Register"), registration, done,
    h("p", {}, "Have an account? ", h("a", {href: "/login"}, "Log in"), ".")];
}

/** The mailed link's token, taken off the address bar once read (it is single-use and
 *  should not linger in history). */
function takeToken(ctx) {
  const token = ctx.query.get("token");
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

export async function verify(ctx) {
  const token = takeToken(ctx);
  const box = messageBox();
  const nodes = [pageTitle("Verify your address"), box];
  if (!token) {
    say(box, "Open the link we mailed you to verify your address.", "info");
    return nodes;
  }
  try {
    const user = await post("/api/account/verify", {token});
    say(box, `${user.email} is verified. You can buy names now.`, "ok");
    if (ctx.state.session) await ctx.refreshUser();
    nodes.push(h("p", {}, ctx.state.user ? h("a", {href: "/"}, "Search for a name")
      : h("a", {href: "/login"}, "Log in")));
  } catch (e) {
    say(box, e.message, "error");
  }
  return nodes;
}

export async function reset(ctx) {
  const token = takeToken(ctx);
  if (!token) {
    const sent = h("div");
    return [pageTitle("Reset your password"),
      form({id: "reset-request-form"}, [
        field("Email", {type: "email", name: "email", autocomplete: "email", required: true}),
      ], "Mail me a link", async (v) => {
        await post("/api/password-reset", v);
        sent.replaceChildren(h("p", {class: "message ok", role: "status"},
          `If ${v.email} has an account here, a link to choose a new password is on its way.`));
      }), sent];
  }
  const done = h("div");
  const choose = form({id: "reset-form"}, [
    field("New password", {type: "password", name: "password", autocomplete: "new-password",
      required: true, minlength: 10}),
  ], "Set password", async (v) => {
    await post("/api/password-reset/confirm", {token, password: v.password});
    choose.hidden = true;
    done.append(h("p", {class: "message ok", role: "status"},
      "Your password is changed and every session ended. ", h("a", {href: "/login"}, "Log in"), "."));
  });
  return [pageTitle("Choose a new password"), choose, done];
}

export async function gift(ctx) {
  const token = takeToken(ctx);
  const box = messageBox();
  if (!token) {
    say(box, "Open the link in the gift's mail while logged in as its recipient.", "info");
    return [pageTitle("Accept a gift"), box];
  }
  const button = h("button", {type: "button", id: "accept-gift"}, "Accept the name");
  button.addEventListener("click", () => busy(button, box, async () => {
    const answer = await post("/api/gifts/accept", {token});
    button.hidden = true;
    box.replaceChildren(h("p", {class: "message ok", role: "status"}, `${answer.name} is yours. `,
      h("a", {href: `/domains/${encodeURIComponent(answer.name)}`}, "Manage it"), "."));
  }));
  return [pageTitle("Accept a gift"),
    h("p", {}, "Someone gave you a domain name. Accept it to hold it in this account."),
    button, box];
}

