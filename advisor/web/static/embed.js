/* The embeddable chat (/embed): streams answers from POST /v1/chat/stream and shows numbered, expandable
 * citations. All text from users, the server and documents goes into the page through textContent only.
 *
 * Token: a short-lived widget token arrives in the URL fragment (#token=...) or from the parent page by
 * postMessage({type: "advisor:token", token}); when the server rejects it, the page asks the parent for a
 * fresh one with postMessage({type: "advisor:token-request"}). Without a token, requests go out unauthenticated
 * (accepted only when the server has no API keys configured, e.g. on a developer's machine).
 */
(function () {
  "use strict";

  var STREAM_URL = "v1/chat/stream";
  var FEEDBACK_URL = "v1/feedback";
  var TOKEN_WAIT_MS = 5000;

  var state = { token: "", conversationId: null, busy: false, tokenWaiters: [] };
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("question");
  var send = document.getElementById("send");
  var welcome = document.getElementById("welcome");

  /* ---- small DOM helpers (text only, never markup) ---------------------------------------------- */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* The latest question is kept at the top of the log while its answer is written below it, so the question
   * and the start of the answer stay in view; the reader scrolling for themselves ends this. */
  var pinned = null;
  function keepQuestionInView() {
    if (!pinned) return;
    var offset = pinned.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    if (offset > 1) log.scrollTop += offset;  // only ever towards the question, never back
  }
  ["wheel", "touchstart", "keydown", "pointerdown"].forEach(function (name) {
    log.addEventListener(name, function () { pinned = null; }, { passive: true });
  });

  /* ---- token handling ----------------------------------------------------------------------------- */
  function takeTokenFromFragment() {
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash || "");
    if (match) {
      state.token = decodeURIComponent(match[1]);
      // Keep the token out of the address bar, history and anything copied from it.
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.type !== "advisor:token") return;
    if (typeof event.data.token !== "string") return;
    state.token = event.data.token;
    var waiters = state.tokenWaiters;
    state.tokenWaiters = [];
    waiters.forEach(function (resolve) { resolve(true); });
  });

  function requestFreshToken() {
    if (window.parent === window) return Promise.resolve(false);
    return new Promise(function (resolve) {
      state.tokenWaiters.push(resolve);
      // The request carries no secret, so any parent may receive it; the answer is checked by source.
      window.parent.postMessage({ type: "advisor:token-request" }, "*");
      setTimeout(function () { resolve(false); }, TOKEN_WAIT_MS);
    });
  }

  function headers(extra) {
    var h = { "Content-Type": "application/json" };
    if (state.token) h.Authorization = "Bearer " + state.token;
    for (var k in extra) h[k] = extra[k];
    return h;
  }

  /* ---- rendering ---------------------------------------------------------------------------------- */
  function addMessage(role, text) {
    if (welcome) { welcome.remove(); welcome = null; }
    var box = el("div", "msg " + role);
    var body = el("div", "text");
    box.appendChild(body);
    if (text) body.textContent = text;
    log.appendChild(box);
    if (role === "user") pinned = box;
    keepQuestionInView();
    return box;
  }

  function citationLabel(c) {
    var parts = [c.title || c.doc_id || "Source"];
    if (c.section && c.section !== c.title) parts.push(c.section);
    if (c.page !== null && c.page !== undefined) parts.push("p. " + c.page);
    return parts.join(" — ");
  }

  /* Paragraphs of text in which "[n]" markers of known citations become buttons opening footnote n. */
  function renderAnswerText(container, text, notes) {
    container.textContent = "";
    String(text).split(/\n\s*\n/).forEach(function (para) {
      if (!para.trim()) return;
      var p = el("p");
      var last = 0;
      para.replace(/\[(\d{1,3})\]/g, function (marker, n, offset) {
        if (!notes[n]) return marker;
        p.appendChild(document.createTextNode(para.slice(last, offset)));
        var ref = el("button", "cite-ref", "[" + n + "]");
        ref.type = "button";
        ref.setAttribute("aria-label", "Show source " + n);
        ref.addEventListener("click", function () {
          notes[n].open = true;
          notes[n].scrollIntoView({ block: "nearest" });
        });
        p.appendChild(ref);
        last = offset + marker.length;
        return marker;
      });
      p.appendChild(document.createTextNode(para.slice(last)));
      container.appendChild(p);
    });
  }

  function renderCitations(box, text, citations) {
    var notes = {};
    var list = el("div", "citations");
    citations.forEach(function (c) {
      var details = el("details", "citation");
      var summary = el("summary");
      summary.appendChild(el("span", "n", "[" + c.n + "]"));
      summary.appendChild(document.createTextNode(citationLabel(c)));
      details.appendChild(summary);
      details.appendChild(el("blockquote", "snippet", c.snippet || ""));
      list.appendChild(details);
      notes[c.n] = details;
    });
    renderAnswerText(box.querySelector(".text"), text, notes);
    if (citations.length) box.appendChild(list);
  }

  function renderFeedback(box, conversationId, messageId) {
    if (!conversationId || !messageId) return;
    var bar = el("div", "feedback");
    [["up", "Helpful"], ["down", "Not helpful"]].forEach(function (choice) {
      var b = el("button", "", choice[1]);
      b.type = "button";
      b.setAttribute("aria-pressed", "false");
      b.dataset.rating = choice[0];
      b.addEventListener("click", function () {
        bar.querySelectorAll("button").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        sendFeedback(conversationId, messageId, choice[0]);
      });
      bar.appendChild(b);
    });
    box.appendChild(bar);
  }

  /* ---- server calls -------------------------------------------------------------------------------- */
  function sendFeedback(conversationId, messageId, rating) {
    fetch(FEEDBACK_URL, {
      method: "POST", headers: headers({}),
      body: JSON.stringify({ conversation_id: conversationId, message_id: messageId, rating: rating })
    }).catch(function () { /* feedback is best effort */ });
  }

  function parseData(raw) {
    try { return JSON.parse(raw); } catch (e) { return raw; }
  }

  /* Reads an SSE body and calls onEvent(name, data) for each complete event. */
  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      var end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        var block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        var name = "message", data = [];
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) name = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
        });
        if (data.length) onEvent(name, parseData(data.join("\n")));
      }
    }
  }

  /* What to tell the reader when the server refused the chat's credentials, by the error's code. */
  var AUTH_ERRORS = {
    widget_token_expired: "This chat session has expired. Please reload the page.",
    invalid_widget_token: "This chat's access token is not valid, so the advisor cannot answer here. " +
      "Reload the page; if this keeps happening, tell the site that shows this chat.",
    widget_origin_mismatch: "This chat's access token was issued for another website, so the advisor " +
      "cannot answer here. Tell the site that shows this chat.",
    missing_api_key: "This chat has no access token, so the advisor cannot answer here. It works inside " +
      "a site that signs you in to it.",
    invalid_api_key: "This chat's access token is not valid, so the advisor cannot answer here. " +
      "Reload the page; if this keeps happening, tell the site that shows this chat."
  };

  /* A message for the user; the server's own message (always safe to show) when it sent one. */
  function errorText(status, body) {
    var code = body && body.error && typeof body.error.code === "string" ? body.error.code : "";
    if (AUTH_ERRORS[code]) return AUTH_ERRORS[code];
    if (status === 429 && code === "rate_limited") {
      return "Too many questions in a short time. Please wait a minute and try again.";
    }
    if (body && body.error && typeof body.error.message === "string") return body.error.message;
    if (status === 401 || status === 403) {
      return "The advisor did not accept this chat. Please reload the page.";
    }
    if (status === 429) return "Too many questions in a short time. Please wait a minute and try again.";
    return "Sorry, the advisor is not reachable right now. Please try again.";
  }

  /* "Writing the answer..." under the text so far, with dots that pulse (embed.css). */
  function writingCue() {
    var cue = el("p", "writing-cue", "Writing the answer");
    cue.setAttribute("role", "status");
    var dots = el("span", "dots");
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) dots.appendChild(el("span", "dot", "."));
    cue.appendChild(dots);
    return cue;
  }

  function post(question) {
    var body = { message: question };
    if (state.conversationId) body.conversation_id = state.conversationId;
    return fetch(STREAM_URL, {
      method: "POST", headers: headers({ Accept: "text/event-stream" }), body: JSON.stringify(body)
    });
  }

  async function ask(question) {
    if (state.busy || !question.trim()) return;
    state.busy = true;
    send.disabled = true;
    addMessage("user", question);
    var box = addMessage("assistant pending", "");
    var textNode = box.querySelector(".text");
    var cue = box.appendChild(writingCue());
    var text = "", finished = false, messageId = null;
    try {
      var response = await post(question);
      if ((response.status === 401 || response.status === 403) && await requestFreshToken()) {
        response = await post(question);
      }
      if (!response.ok || !response.body) {
        var detail = null;
        try { detail = await response.json(); } catch (e) { /* not JSON */ }
        throw new Error(errorText(response.status, detail));
      }
      await readEvents(response, function (name, data) {
        var obj = data && typeof data === "object" ? data : {};
        if (obj.conversation_id) state.conversationId = obj.conversation_id;
        if (obj.message_id) messageId = obj.message_id;
        if (name === "delta") {
          text += typeof data === "string" ? data : (obj.text || "");
          textNode.textContent = text;
          keepQuestionInView();
        } else if (name === "citations") {
          renderCitations(box, text, obj.citations || []);
          finished = true;
        } else if (name === "error") {
          throw new Error(errorText(0, obj));
        } else if (name === "done") {
          finished = true;
        }
      });
      if (!text) throw new Error(errorText(0));
    } catch (err) {
      box.classList.add("error");
      if (!finished) textNode.textContent = err && err.message ? err.message : errorText(0);
    } finally {
      cue.remove();
      box.classList.remove("pending");
      if (!box.classList.contains("error")) renderFeedback(box, state.conversationId, messageId);
      state.busy = false;
      send.disabled = false;
      keepQuestionInView();
    }
  }

  /* ---- wiring --------------------------------------------------------------------------------------- */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value;
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.querySelectorAll(".example").forEach(function (button) {
    button.addEventListener("click", function () { ask(button.textContent); });
  });
  document.getElementById("new-conversation").addEventListener("click", function () {
    state.conversationId = null;
    pinned = null;
    log.textContent = "";
    input.focus();
  });

  /* What the "My path" panel (my_path.js) needs to call the API as this page does. */
  window.advisorEmbed = { headers: headers, requestFreshToken: requestFreshToken, errorText: errorText };

  takeTokenFromFragment();
})();
