/* The advisor's floating chat button for portals. Paste on any page:
 *
 *   <script src="https://advisor.example.org/embed/widget.js" defer
 *           data-token-url="/advisor-token"></script>
 *
 * data-advisor-url  where the advisor runs (default: where this script was loaded from)
 * data-token-url    an endpoint of YOUR site that returns {"token": "..."}; your server gets the token from the
 *                   advisor's POST /v1/widget-tokens with its API key, which never reaches the browser
 * data-token        a token rendered into the page by your server (instead of data-token-url)
 * data-label        the button's text (default "Ask the career advisor")
 * data-position     "right" (default) or "left"
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__advisorWidget) return;
  window.__advisorWidget = true;

  var config = script.dataset;
  var advisorUrl = (config.advisorUrl || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  var advisorOrigin = new URL(advisorUrl, window.location.href).origin;
  var side = config.position === "left" ? "left" : "right";
  var label = config.label || "Ask the career advisor";
  var button, panel, frame;

  function getToken() {
    if (config.tokenUrl) {
      return fetch(config.tokenUrl, { method: "POST", credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (body) { return typeof body.token === "string" ? body.token : ""; })
        .catch(function () { return ""; });
    }
    return Promise.resolve(config.token || "");
  }

  function style(node, rules) { Object.assign(node.style, rules); return node; }

  function build() {
    button = style(document.createElement("button"), {
      position: "fixed", bottom: "20px", zIndex: "2147483000", padding: "12px 18px", border: "0",
      borderRadius: "999px", background: "#0f766e", color: "#fff", font: "600 15px system-ui, sans-serif",
      boxShadow: "0 4px 14px rgba(0,0,0,.25)", cursor: "pointer"
    });
    button.style[side] = "20px";
    button.type = "button";
    button.className = "advisor-widget-button";
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", toggle);

    panel = style(document.createElement("div"), {
      position: "fixed", bottom: "80px", zIndex: "2147483000", width: "min(400px, calc(100vw - 24px))",
      height: "min(600px, calc(100vh - 100px))", background: "#fff", borderRadius: "12px", overflow: "hidden",
      boxShadow: "0 8px 30px rgba(0,0,0,.3)", display: "none"
    });
    panel.style[side] = "12px";
    panel.className = "advisor-widget-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", label);

    document.body.appendChild(panel);
    document.body.appendChild(button);
  }

  function openFrame() {
    return getToken().then(function (token) {
      frame = style(document.createElement("iframe"), { width: "100%", height: "100%", border: "0" });
      frame.title = label;
      frame.className = "advisor-widget-frame";
      frame.src = advisorUrl + "/embed" + (token ? "#token=" + encodeURIComponent(token) : "");
      panel.appendChild(frame);
    });
  }

  function toggle() {
    var opening = panel.style.display === "none";
    panel.style.display = opening ? "block" : "none";
    button.setAttribute("aria-expanded", String(opening));
    button.textContent = opening ? "Close" : label;
    if (opening && !frame) openFrame();
  }

  // The chat page asks for a fresh token when the old one expired.
  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== advisorOrigin) return;
    if (!event.data || event.data.type !== "advisor:token-request") return;
    getToken().then(function (token) {
      frame.contentWindow.postMessage({ type: "advisor:token", token: token }, advisorOrigin);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel && panel.style.display !== "none") toggle();
  });

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
