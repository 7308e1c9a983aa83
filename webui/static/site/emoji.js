// The emoji picker beside the search box: a disclosure of emoji grouped by theme, each a
// button that types its emoji where the caret is. Whether a TLD takes emoji is its policy:
// the search answers why not.

import {h} from "../common/dom.js";

const GROUPS = [
  ["Smileys", "😀 😃 😄 😁 😆 😊 😍 😎 🤓 🥳 🤩 😇 🙂 😉 😜 🤔"],
  ["Hearts and hands", "❤️ 💙 💚 💛 💜 🖤 👍 👏 🙌 🤝 ✌️ 👋"],
  ["Animals", "🐶 🐱 🦊 🐻 🐼 🐨 🦁 🐯 🐸 🐧 🦄 🐝 🐙 🦋"],
  ["Food", "🍕 🍔 🍟 🌮 🍣 🍩 🍪 🍰 🍎 🍓 🍉 ☕ 🍺 🍷"],
  ["Things", "🚀 ⭐ 🌈 🔥 ⚡ 🎉 🎁 🎵 📷 💡 🔑 🏠 ⚽ 🌍"],
];

export function emojiPicker(input) {
  const groups = GROUPS.map(([name, list]) => h("div", {role: "group", "aria-label": name,
    class: "emoji-group"},
  h("p", {class: "emoji-group-name"}, name),
  list.split(" ").map((emoji) => h("button", {type: "button", class: "emoji",
    "aria-label": `Insert ${emoji}`, "data-emoji": emoji,
    onclick: () => insert(input, emoji)}, emoji))));
  return h("details", {class: "emoji-picker"},
    h("summary", {}, "Emoji"), h("div", {class: "emoji-panel"}, groups));
}

function insert(input, text) {
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.setRangeText(text, start, end, "end");
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.focus();
}
