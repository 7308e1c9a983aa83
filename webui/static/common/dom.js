// Building the DOM without HTML strings: the pages run under Trusted Types with no policy,
// so innerHTML and friends throw; text always goes in as text nodes, never parsed.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (["value", "checked", "disabled", "selected", "hidden"].includes(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children: strings and numbers as text, nodes as they are; nullish and false
 *  skipped, arrays flattened. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** h("a", {href: "/x", class: "button"}, "text", otherNode): an HTML element. */
export function h(tag, props = {}, ...children) {
  return fill(document.createElement(tag), props, children);
}

/** The same for SVG elements (the 2FA QR code). */
export function svg(tag, props = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), props, children);
}

/** Replaces el's content with children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
