// The console's page parts: headed sections, facts, JSON, money in the currency's minor
// units (as the API has it) shown and read as people write it.

import {h, replace} from "../common/dom.js";
import {ApiError} from "../common/api.js";

export function page(main, title, ...children) {
  document.title = `${title} · PyRar console`;
  replace(main, h("h1", {}, title), children);
}

export function section(title, ...children) {
  return h("section", {class: "card", "aria-label": title}, h("h2", {}, title), children);
}

/** A definition list of [term, value] pairs (values: text or nodes). */
export function facts(pairs) {
  return h("dl", {class: "facts"}, pairs.map(([term, value]) => [
    h("dt", {}, term), h("dd", {}, value === null || value === undefined ? "-" : value)]));
}

export function json(value, className = "") {
  // focusable: a long one scrolls, and the keyboard must reach it
  return h("pre", {class: `json mono ${className}`, tabindex: 0}, value === null || value === undefined
    ? "(none)" : JSON.stringify(value, null, 2));
}

export function badge(text, kind = "") {
  return h("span", {class: `badge ${kind}`}, text);
}

function digits(currency) {
  try {
    return new Intl.NumberFormat("en", {style: "currency", currency})
      .resolvedOptions().maximumFractionDigits;
  } catch (e) {
    return 2;
  }
}

/** 123456, "USD" -> "1,234.56 USD". */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return "-";
  const d = digits(currency);
  const text = (Math.abs(amount) / 10 ** d).toLocaleString("en", {
    minimumFractionDigits: d, maximumFractionDigits: d});
  return `${amount < 0 ? "-" : ""}${text} ${currency}`;
}

/** "12.50", "USD" -> 1250; an ApiError-like error with the field otherwise. */
export function minorUnits(text, currency, name = "amount", signed = false) {
  const d = digits(currency);
  const pattern = new RegExp(`^${signed ? "-?" : ""}[0-9]{1,13}(\\.[0-9]{1,${d}})?$`);
  const value = String(text).trim().replace(/,/g, "");
  if (!(d ? pattern : new RegExp(`^${signed ? "-?" : ""}[0-9]{1,15}$`)).test(value)) {
    throw new ApiError(400, {detail: `${name} must be an amount such as ${d ? "12." +
      "5".repeat(d) : "1200"} ${currency}`, field: name});
  }
  const [whole, fraction = ""] = value.replace("-", "").split(".");
  const minor = Number(whole) * 10 ** d + Number(fraction.padEnd(d, "0") || 0);
  return value.startsWith("-") ? -minor : minor;
}

/** A list of text from a textarea: one item a line (or separated by commas). */
export function lines(text) {
  return String(text || "").split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

export function when(time) {
  return time ? String(time).replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "-";
}

function flatten(value, prefix = "", out = {}) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (prefix) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/** What an audit entry changed, field by field ("policy.max_period: 10 → 5"), with the
 *  whole before and after a click away. */
export function changes(before, after) {
  const was = flatten(before);
  const now = flatten(after);
  const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
  const changed = keys.filter((k) => was[k] !== now[k]);
  const none = (x) => x === null || x === undefined;
  const summary = none(before) && none(after) ? "an action (see the reason)"
    : none(before) ? "created"
    : none(after) ? "removed" : changed.length ? null : "no change";
  return h("div", {class: "changes"},
    summary ? h("p", {}, summary) : h("ul", {}, changed.map((k) => h("li", {},
      h("code", {}, k), ": ", was[k] === undefined ? "(none)" : was[k], " → ",
      now[k] === undefined ? "(none)" : now[k]))),
    h("details", {}, h("summary", {}, "Before and after"),
      h("div", {class: "grid"}, json(before, "diff-before"), json(after, "diff-after"))));
}
