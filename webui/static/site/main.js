// The registrar site: routes in the browser over the JSON API.
import {h, replace} from "../common/dom.js";
import {loadSession} from "../common/api.js";

const main = document.getElementById("main");
loadSession().then((session) => {
  replace(main, h("h1", {}, "PyRar"), h("p", {}, session ? "Logged in." : "Welcome."));
});
