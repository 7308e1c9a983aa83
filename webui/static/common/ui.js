// Page furniture shared by the site and the console: labelled fields, messages that say
// what the API said, buttons that show they are busy, progress bars, tables.

import {h, replace} from "./dom.js";

let ids = 0;
const nextId = (stem) => `${stem}-${++ids}`;

/** A labelled input: field("Email", {type: "email", name: "email", required: true}).
 *  Returns the wrapper; its .input is the control. A hint is tied with aria-describedby. */
export function field(label, props = {}, hint = null) {
  const id = props.id || nextId(props.name || "field");
  const control = props.type === "select" ? selectOf(id, props)
    : props.type === "textarea" ? h("textarea", {...props, type: undefined, id})
      : h("input", {...props, id});
  const hintEl = hint ? h("small", {id: `${id}-hint`, class: "hint"}, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  const wrap = props.type === "checkbox"
    ? h("div", {class: "field check"}, control, h("label", {for: id}, label), hintEl)
    : h("div", {class: "field"}, h("label", {for: id}, label), control, hintEl);
  wrap.input = control;
  return wrap;
}

function selectOf(id, props) {
  const {options = [], value, ...rest} = props;
  const select = h("select", {...rest, type: undefined, id});
  for (const option of options) {
    const [val, text] = Array.isArray(option) ? option : [option, option];
    select.append(h("option", {value: val, selected: val === value}, text));
  }
  return select;
}

/** A message region (role=status, or alert for errors) that screen readers announce. */
export function messageBox() {
  return h("div", {class: "messages", "aria-live": "polite"});
}

/** Shows a message in box: kind "ok", "info" or "error". */
export function say(box, text, kind = "info") {
  const el = h("p", {class: `message ${kind}`, role: kind === "error" ? "alert" : "status"},
    text);
  replace(box, el);
  return el;
}

/** The message of any failure: the API's detail, or what went wrong in the page. */
export function errorText(error) {
  return error && error.message ? error.message : String(error);
}

/** Runs task() with the button disabled and marked busy; the result or the error goes to
 *  box (the API's message as it is). Returns task's result, or undefined when it failed. */
export async function busy(button, box, task, done = null) {
  const label = button ? button.textContent : "";
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    const result = await task();
    if (box && done) say(box, typeof done === "function" ? done(result) : done, "ok");
    return result;
  } catch (e) {
    if (box) say(box, errorText(e), "error");
    else throw e;
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    }
  }
}

/** A form whose submit runs onSubmit(values, form) through busy(); values are the named
 *  controls' values (checkboxes as booleans). */
export function form(props, children, submitText, onSubmit, done = null) {
  const {danger, ...formProps} = props;  // danger: the submit button warns (closing, deleting)
  const box = messageBox();
  const button = h("button", {type: "submit", class: danger ? "danger" : false}, submitText);
  const el = h("form", formProps, children, h("div", {class: "actions"}, button), box);
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(button, box, () => onSubmit(values(el), el), done);
  });
  el.box = box;
  return el;
}

export function values(formEl) {
  const out = {};
  for (const control of formEl.elements) {
    if (!control.name) continue;
    out[control.name] = control.type === "checkbox" ? control.checked : control.value;
  }
  return out;
}

/** A progress bar with a text line: update(done, total, text). */
export function progress(label) {
  const bar = h("progress", {max: 1, value: 0, "aria-label": label});
  const text = h("span", {class: "progress-text", "aria-live": "polite"});
  const el = h("div", {class: "progress"}, bar, text);
  el.update = (done, total, line = "") => {
    bar.max = total || 1;
    bar.value = done;
    text.textContent = line || `${done} of ${total}`;
  };
  return el;
}

/** A table of rows: columns are [heading, row => cell content]. Wrapped to scroll on
 *  narrow screens (focusable, so the keyboard can scroll it). */
export function table(caption, columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", {class: "empty"}, empty);
  return h("div", {class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption},
    h("table", {},
      h("caption", {class: "visually-hidden"}, caption),
      h("thead", {}, h("tr", {}, columns.map(([heading]) => h("th", {scope: "col"}, heading)))),
      h("tbody", {}, rows.map((row) => h("tr", {},
        columns.map(([heading, cell]) => h("td", {"data-label": heading}, cell(row))))))));
}

/** "2026-12-02" from an RFC 3339 time (the API's), or "" for null. */
export function day(time) {
  return time ? String(time).slice(0, 10) : "";
}

/** An amount in minor units as people write it in its currency: money(1250, "USD") is
 *  "$12.50" (the API's Money objects carry this text already: this is for bare prices). */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  const format = new Intl.NumberFormat("en", {style: "currency", currency});
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(amount / 10 ** digits);
}

/** A heading to start a page with, focused (so screen readers and the keyboard start there
 *  after a page change); also the document's title. */
export function pageTitle(text, site = "PyRar") {
  document.title = `${text} · ${site}`;
  return h("h1", {tabindex: -1}, text);
}

/** A titled section of a page (a card): its heading names the region for screen readers. */
export function card(id, title, ...children) {
  return h("section", {class: "card", id, "aria-labelledby": `${id}-h`},
    h("h2", {id: `${id}-h`}, title), children);
}
