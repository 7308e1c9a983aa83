// The account: who you are and your balance, registrant details, password, two-factor
// (QR code drawn from the server's SVG path), which mails you get, API keys, closing.

import {h, replace, svg} from "../../common/dom.js";
import {del, get, post, put} from "../../common/api.js";
import {busy, card, day, field, form, messageBox, pageTitle, table} from "../../common/ui.js";

// the messages a user may opt out of (the others are about the account's security)
const MAILS = [
  ["receipt", "Receipts for orders"],
  ["order_failed", "An order item failed"],
  ["renewal_reminder", "Renewal reminders (30, 14, 7 and 1 days before expiry)"],
  ["auto_renewed", "A name was renewed automatically"],
  ["auto_renew_failed", "An automatic renewal failed"],
  ["expired", "A name expired"],
  ["gifted", "Someone gives you a name"],
  ["gift_accepted", "Your gift was accepted"],
  ["transfer_in", "A transfer to you completed"],
  ["transfer_contacts_failed", "Your details could not be set on a name transferred to you"],
  ["transfer_out", "A name transferred away"],
  ["transfer_out_requested", "Another registrar asks for one of your names"],
];
const SCOPES = [["orders", "Place orders"], ["domains", "Manage names"]];


export async function page(ctx) {
  const user = await ctx.refreshUser();
  const keys = await get("/api/account/api-keys");
  return [
    pageTitle("Your account"),
    profile(ctx, user),
    contact(ctx, user),
    password(),
    twoFactor(ctx, user),
    mailPreferences(ctx, user),
    apiKeys(keys),
    closing(ctx),
  ];
}

function profile(ctx, user) {
  const box = messageBox();
  const resend = user.verified ? null : h("button", {type: "button", class: "secondary",
    id: "resend-verification"}, "Mail the link again");
  if (resend) {
    resend.addEventListener("click", () => busy(resend, box,
      () => post("/api/account/verify/resend"), "A new link is on its way."));
  }
  return card("profile", "Profile",
    h("dl", {class: "facts"},
      h("dt", {}, "Email"), h("dd", {id: "profile-email"}, user.email, " ",
        h("span", {class: `badge ${user.verified ? "ok" : "warn"}`}, user.verified ? "verified" : "not verified")),
      h("dt", {}, "Balance"), h("dd", {id: "profile-balance"}, user.balance.text),
      h("dt", {}, "Member since"), h("dd", {}, day(user.created_at))),
    resend, box,
    h("p", {}, h("a", {href: "/account/funds"}, "Add funds"), " · ",
      h("a", {href: "/account/ledger"}, "Ledger"), " · ", h("a", {href: "/orders"}, "Orders")));
}

function contact(ctx, user) {
  const c = user.contact || {};
  const street = c.street || [];
  return card("contact", "Registrant details",
    h("p", {class: "hint"}, "Sent with each name you register from now on, as its registrant, "
      + "admin and tech contact. Private at the registry: nothing is disclosed in WHOIS or RDAP."),
    form({id: "contact-form"}, [
      field("Name", {name: "name", value: c.name || "", autocomplete: "name", required: true}),
      field("Organisation", {name: "org", value: c.org || "", autocomplete: "organization"}),
      field("Street", {name: "street1", value: street[0] || "", autocomplete: "address-line1"}),
      field("Street (line 2)", {name: "street2", value: street[1] || "", autocomplete: "address-line2"}),
      field("City", {name: "city", value: c.city || "", autocomplete: "address-level2", required: true}),
      field("State or province", {name: "sp", value: c.sp || "", autocomplete: "address-level1"}),
      field("Postal code", {name: "pc", value: c.pc || "", autocomplete: "postal-code"}),
      field("Country code", {name: "cc", value: c.cc || "", autocomplete: "country", required: true,
        maxlength: 2, pattern: "[A-Za-z]{2}"}, "Two letters, like DE or US."),
      field("Phone", {type: "tel", name: "voice", value: c.voice || "", autocomplete: "tel"},
        "In the form +1.5555551234."),
    ], "Save details", async (v) => {
      const body = {name: v.name, city: v.city, cc: v.cc.toUpperCase(),
        street: [v.street1, v.street2].filter(Boolean)};
      for (const key of ["org", "sp", "pc", "voice"]) if (v[key]) body[key] = v[key];
      await put("/api/account/contact", body);
      await ctx.refreshUser();
    }, "Your details are saved."));
}

function password() {
  return card("password", "Password", form({id: "password-form"}, [
    field("Current password", {type: "password", name: "current_password",
      autocomplete: "current-password", required: true}),
    field("New password", {type: "password", name: "new_password", autocomplete: "new-password",
      required: true, minlength: 10}),
  ], "Change password", async (v, el) => {
    await post("/api/account/password", v);
    el.reset();
  }, "Your password is changed; your other sessions ended."));
}

function twoFactor(ctx, user) {
  const area = h("div", {id: "two-factor"});
  const box = messageBox();
  if (user.two_factor) {
    replace(area, h("p", {}, h("span", {class: "badge ok"}, "on"),
      " Logging in asks for a code from your authenticator app."),
    form({id: "2fa-disable-form"}, [
      field("Password", {type: "password", name: "password", autocomplete: "current-password", required: true}),
      field("Code from the app", {name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true}),
    ], "Turn two-factor off", async (v) => {
      await post("/api/account/2fa/disable", v);
      await ctx.go("/account", false);
    }));
    return card("security", "Two-factor authentication", area, box);
  }
  const start = h("button", {type: "button", id: "2fa-setup"}, "Set up two-factor");
  start.addEventListener("click", () => busy(start, box, async () => {
    const setup = await post("/api/account/2fa/setup");
    replace(area,
      h("p", {}, "Scan this code with your authenticator app, or type the secret into it."),
      qrCode(setup.qr),
      h("p", {}, "Secret: ", h("code", {id: "totp-secret"}, setup.secret)),
      form({id: "2fa-enable-form"}, [
        field("Code from the app", {name: "code", inputmode: "numeric",
          autocomplete: "one-time-code", required: true}),
      ], "Turn two-factor on", async (v) => {
        const answer = await post("/api/account/2fa/enable", {code: v.code.replace(/\s/g, "")});
        await ctx.refreshUser();
        replace(area, h("p", {class: "message ok", role: "status"}, "Two-factor is on. Keep these "
          + "recovery codes somewhere safe: each logs you in once if you lose your device. "
          + "They are shown only now."),
        h("ul", {class: "codes mono", id: "recovery-codes"}, answer.recovery_codes.map((code) => h("li", {}, code))));
      }));
    area.querySelector("input").focus();
  }));
  replace(area, h("p", {}, h("span", {class: "badge warn"}, "off"),
    " Protect your names with a code from an authenticator app at each login."), start);
  return card("security", "Two-factor authentication", area, box);
}

/** The QR code from the server's path data (one unit a module), with its quiet zone. */
function qrCode(qr) {
  const size = qr.size + 8;
  return svg("svg", {viewBox: `-4 -4 ${size} ${size}`, width: 232, height: 232, role: "img",
    "aria-label": "QR code of the two-factor secret", class: "qr", id: "totp-qr"},
  svg("rect", {x: -4, y: -4, width: size, height: size, fill: "#fff"}),
  svg("path", {d: qr.path, fill: "#000"}));
}

function mailPreferences(ctx, user) {
  const off = new Set(user.mail_opt_outs);
  return card("mail", "Email preferences", h("p", {class: "hint"},
    "Mails about your account's security and money always come."),
  form({id: "mail-form"}, h("fieldset", {},
    h("legend", {}, "Send me mail when…"),
    MAILS.map(([type, label]) => field(label, {type: "checkbox", name: type, checked: !off.has(type)}))),
  "Save preferences", async (v) => {
    await put("/api/account/mail-preferences", {opt_outs: MAILS.map(([t]) => t).filter((t) => !v[t])});
    await ctx.refreshUser();
  }, "Saved."));
}

function apiKeys(keys) {
  const list = h("div", {id: "api-key-list"});
  const shown = h("div", {id: "api-key-new"});
  const draw = (rows) => replace(list, table("API keys", [
    ["Name", (k) => k.name],
    ["Key", (k) => h("code", {}, `${k.prefix}…`)],
    ["Scopes", (k) => ["read", ...k.scopes.filter((s) => s !== "read")].join(", ")],
    ["Created", (k) => day(k.created_at)],
    ["Last used", (k) => day(k.last_used_at) || "never"],
    ["", (k) => (k.revoked ? h("span", {class: "badge"}, "revoked") : revokeButton(k, draw))],
  ], rows, "No API keys."));
  draw(keys);
  return card("api-keys", "API keys",
    h("p", {class: "hint"}, "For programs: send a key as ", h("code", {}, "Authorization: Bearer <key>"),
      ". Every key may read; give it more only if it needs it."),
    list,
    form({id: "api-key-form"}, [
      field("Key name", {name: "name", required: true, maxlength: 64}),
      h("fieldset", {}, h("legend", {}, "It may also"),
        SCOPES.map(([scope, label]) => field(label, {type: "checkbox", name: `scope_${scope}`}))),
    ], "Create key", async (v, el) => {
      const answer = await post("/api/account/api-keys", {name: v.name,
        scopes: SCOPES.map(([s]) => s).filter((s) => v[`scope_${s}`])});
      replace(shown, h("p", {class: "message ok", role: "status"},
        "Your new key (copy it now: it is shown this once): ", h("code", {id: "api-key-secret"}, answer.key)));
      el.reset();
      draw(await get("/api/account/api-keys"));
    }), shown);
}

function revokeButton(key, draw) {
  const button = h("button", {type: "button", class: "secondary", "aria-label": `Revoke ${key.name}`}, "Revoke");
  button.addEventListener("click", () => busy(button, null, async () => {
    await del(`/api/account/api-keys/${key.id}`);
    draw(await get("/api/account/api-keys"));
  }).catch((e) => { button.replaceWith(h("span", {class: "message error", role: "alert"}, e.message)); }));
  return button;
}

function closing(ctx) {
  return card("close", "Close the account",
    h("p", {}, "Transfer away or release your names first. Closing cannot be undone."),
    form({id: "close-form", danger: true}, [
      field("Password", {type: "password", name: "password", autocomplete: "current-password", required: true}),
      field("I want to close my account", {type: "checkbox", name: "sure", required: true}),
    ], "Close my account", async (v) => {
      await post("/api/account/close", {password: v.password});
      ctx.state.session = null;
      ctx.state.user = null;
      await ctx.go("/?closed=1");
    }));
}
