/* The Gradio chat UI's own behaviour, loaded from this server (the page's policy allows no inline script).
 *
 * - Each new question is scrolled to the top of the conversation, so the question and the start of its
 *   answer stay in view while the answer is written and after (the chatbot's own autoscroll is off).
 * - A "[n]" marker in an answer (sup.cite-ref, rendered by advisor/web/rendering.py) opens footnote n of
 *   the same answer, on click or Enter/Space, as in /embed.
 */
(function () {
  "use strict";

  var MARGIN_PX = 8;
  var shownQuestions = 0;
  var pinned = null;  // the latest question's row, kept at the top while its answer grows below it
  var scheduled = false;

  function conversation() { return document.querySelector('#chat [role="log"]'); }

  /* Scroll `log` so that `row` is at its top; until the answer below is long enough this scrolls only part
   * of the way, so it is repeated as the answer grows, until the reader scrolls for themselves. */
  function keepAtTop(log, row) {
    var offset = row.getBoundingClientRect().top - log.getBoundingClientRect().top - MARGIN_PX;
    if (offset > 1) log.scrollTop += offset;
  }

  function onChange() {
    scheduled = false;
    var log = conversation();
    if (!log) return;
    if (!log.dataset.advisorWatched) {  // the reader taking over ends the pinning
      log.dataset.advisorWatched = "1";
      ["wheel", "touchstart", "keydown", "pointerdown"].forEach(function (name) {
        log.addEventListener(name, function () { pinned = null; }, { passive: true });
      });
    }
    var questions = log.querySelectorAll('[data-testid="user"]');
    if (questions.length > shownQuestions) {
      var latest = questions[questions.length - 1];
      pinned = latest.closest(".message-row") || latest;
    } else if (questions.length < shownQuestions) {  // "New conversation"
      pinned = null;
    }
    shownQuestions = questions.length;
    if (pinned && pinned.isConnected) keepAtTop(log, pinned);
  }

  new MutationObserver(function () {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(onChange);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });

  function openFootnote(ref) {
    var answer = ref.closest(".message-content") || ref.closest(".message");
    var n = (ref.textContent.match(/\d+/) || [""])[0];  // Gradio's sanitizer drops data-* attributes
    var note = null;
    if (answer && n) {
      answer.querySelectorAll("details.citation").forEach(function (details) {
        var label = details.querySelector(".cite-n");
        if (label && label.textContent.trim() === "[" + n + "]") note = details;
      });
    }
    if (!note) return;
    note.open = true;
    note.scrollIntoView({ block: "nearest" });
  }

  function citationMarker(event) {
    var target = event.target;
    return target && target.closest ? target.closest("#chat .cite-ref") : null;
  }

  document.addEventListener("click", function (event) {
    var ref = citationMarker(event);
    if (ref) openFootnote(ref);
  });
  document.addEventListener("keydown", function (event) {
    var ref = citationMarker(event);
    if (ref && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openFootnote(ref);
    }
  });
})();
