/* The widget's "My path" panel (/embed): a short profile form, POST /v1/readiness with the page's token, the
 * report as a bar per area and a checklist, the cited 90-day plan, and the plan as a Markdown download.
 * All text from users, the server and documents goes into the page through textContent only; the profile is
 * sent once, for this report, and kept nowhere (not in storage, not in the address).
 */
(function () {
  "use strict";

  var REPORT_URL = "v1/readiness";
  var api = window.advisorEmbed;
  var panel = document.getElementById("my-path");
  var toggle = document.getElementById("my-path-toggle");
  if (!api || !panel || !toggle) return;
  var chatParts = [document.getElementById("log"), document.getElementById("ask")];

  var HAVE = [["board_certified", "Board certification"], ["unrestricted_license", "Unrestricted license"],
              ["mentor", "A mentor in leadership"], ["budget_experience", "Budget experience"],
              ["regulatory_knowledge", "Regulatory knowledge"]];
  var ROLES = [["chief resident", "Chief resident"], ["section chief or chair", "Section chief or chair"],
               ["assistant or associate medical director", "Assistant or associate director"],
               ["led a project", "Led a project"]];
  var EDUCATION = ["MBA", "MHA", "MPH", "CPE", "CMQ"];
  var SETTINGS = [["", "Any setting"], ["hospital", "Hospital or health system"],
                  ["clinical_department", "Clinical department"], ["pharma_biotech", "Pharma or biotech"],
                  ["insurer", "Health insurer"], ["government", "Government"], ["academic", "Academic"],
                  ["telemedicine", "Telemedicine"], ["long_term_care", "Long-term care"],
                  ["nonprofit", "Nonprofit"], ["consulting", "Consulting"], ["regional", "Regional"],
                  ["sports_medicine", "Sports medicine"]];
  var STATUS = { met: "Met", partly: "Partly", not_yet: "Not yet", unknown: "Unknown" };
  var POINTS = { met: 2, partly: 1 };
  var built = false, busy = false, downloadUrl = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function field(label, input) {
    var wrap = el("label", "field");
    wrap.appendChild(el("span", "label", label));
    wrap.appendChild(input);
    return wrap;
  }

  function choices(legend, name, items) {
    var set = el("fieldset", "choices");
    set.appendChild(el("legend", "", legend));
    items.forEach(function (item) {
      var value = Array.isArray(item) ? item[0] : item;
      var label = el("label", "choice");
      var box = el("input");
      box.type = "checkbox";
      box.name = name;
      box.value = value;
      label.appendChild(box);
      label.appendChild(document.createTextNode(Array.isArray(item) ? item[1] : item));
      set.appendChild(label);
    });
    return set;
  }

  function input(name, type, attrs) {
    var node = el("input");
    node.name = name;
    node.type = type;
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }

  function select(name, options) {
    var node = el("select");
    node.name = name;
    options.forEach(function (o) {
      var option = el("option", "", o[1]);
      option.value = o[0];
      node.appendChild(option);
    });
    return node;
  }

  function build() {
    var form = el("form", "path-form");
    form.id = "my-path-form";
    form.setAttribute("autocomplete", "off");
    form.appendChild(el("p", "intro", "Where do you stand? The advisor checks you against what the articles " +
                                      "ask of a medical director and plans your next 90 days. Nothing is kept."));
    var row = el("div", "row");
    row.appendChild(field("Degree", select("degree", [["", "Not given"], ["MD", "MD"], ["DO", "DO"],
                                                      ["other", "Other"]])));
    row.appendChild(field("Years in practice", input("years", "number", { min: "0", max: "70", step: "0.5" })));
    row.appendChild(field("Training year", input("training", "text", { maxlength: "40", placeholder: "PGY-2" })));
    form.appendChild(row);
    form.appendChild(choices("I have", "have", HAVE));
    form.appendChild(choices("Roles held", "roles", ROLES));
    form.appendChild(field("Committees (comma-separated)",
                           input("committees", "text", { maxlength: "600", placeholder: "quality improvement" })));
    form.appendChild(choices("Degrees and certificates", "education", EDUCATION));
    form.appendChild(field("Where you want to work", select("setting", SETTINGS)));
    var go = el("button", "go", "Show my path");
    go.type = "submit";
    form.appendChild(go);
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(form, go); });
    panel.appendChild(form);
    var result = el("div", "path-result");
    result.id = "my-path-result";
    result.setAttribute("aria-live", "polite");
    panel.appendChild(result);
    built = true;
  }

  function checked(form, name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'),
                                    function (box) { return box.value; });
  }

  /* The profile the form describes: a form states the whole situation, so an unticked box is "no" and an
   * empty list "none"; degree, years and training year may be left unsaid. */
  function profileOf(form) {
    var profile = {};
    var have = checked(form, "have");
    HAVE.forEach(function (h) { profile[h[0]] = have.indexOf(h[0]) >= 0; });
    if (form.degree.value) profile.degree = form.degree.value;
    if (form.years.value !== "") profile.years_in_practice = Number(form.years.value);
    if (form.training.value.trim()) profile.training_year = form.training.value.trim();
    profile.roles = checked(form, "roles");
    profile.committees = form.committees.value.split(",").map(function (s) { return s.trim(); })
      .filter(function (s) { return s; });
    profile.education = checked(form, "education");
    profile.target_settings = form.setting.value ? [form.setting.value] : [];
    return profile;
  }

  function request(profile) {
    return fetch(REPORT_URL, { method: "POST", headers: api.headers({}),
                               body: JSON.stringify({ profile: profile }) });
  }

  async function submit(form, go) {
    if (busy) return;
    busy = true;
    go.disabled = true;
    var result = document.getElementById("my-path-result");
    result.textContent = "";
    result.appendChild(el("p", "status", "Checking your path…"));
    try {
      var profile = profileOf(form);
      var response = await request(profile);
      if ((response.status === 401 || response.status === 403) && await api.requestFreshToken()) {
        response = await request(profile);
      }
      var body = null;
      try { body = await response.json(); } catch (e) { /* not JSON */ }
      if (!response.ok || !body) throw new Error(api.errorText(response.status, body));
      render(result, body);
    } catch (err) {
      result.textContent = "";
      result.appendChild(el("p", "error", err && err.message ? err.message : api.errorText(0)));
    } finally {
      busy = false;
      go.disabled = false;
    }
  }

  function source(citation) {
    var details = el("details", "citation");
    var summary = el("summary");
    summary.appendChild(el("span", "n", "[" + citation.n + "]"));
    var where = citation.title || citation.doc_id || "Source";
    if (citation.section && citation.section !== citation.title) where += " — " + citation.section;
    summary.appendChild(document.createTextNode(where));
    details.appendChild(summary);
    details.appendChild(el("blockquote", "snippet", citation.snippet || ""));
    return details;
  }

  function render(result, body) {
    result.textContent = "";
    var areas = [], byArea = {};
    body.requirements.forEach(function (r) {
      if (!byArea[r.area]) { byArea[r.area] = []; areas.push(r.area); }
      byArea[r.area].push(r);
    });
    result.appendChild(el("h2", "", "At a glance"));
    var glance = el("ul", "areas");
    areas.forEach(function (area) {
      var items = byArea[area];
      var points = items.reduce(function (sum, r) { return sum + (POINTS[r.status] || 0); }, 0);
      var met = items.filter(function (r) { return r.status === "met"; }).length;
      var li = el("li", "area");
      li.appendChild(el("span", "area-name", area));
      var bar = el("progress");
      bar.max = items.length * 2;
      bar.value = points;
      bar.setAttribute("aria-label", area + ": " + met + " of " + items.length + " met");
      li.appendChild(bar);
      li.appendChild(el("span", "area-count", met + " of " + items.length));
      glance.appendChild(li);
    });
    result.appendChild(glance);

    result.appendChild(el("h2", "", "Requirements"));
    var list = el("ul", "checklist");
    body.requirements.forEach(function (r) {
      var li = el("li", "req " + r.status);
      li.appendChild(el("span", "badge", STATUS[r.status] || r.status));
      li.appendChild(el("strong", "", r.title));
      li.appendChild(el("p", "note", r.note));
      li.appendChild(source(r.citation));
      list.appendChild(li);
    });
    result.appendChild(list);

    var titles = {};
    body.requirements.forEach(function (r) { titles[r.id] = r.title; });
    result.appendChild(el("h2", "", "Most important gaps"));
    result.appendChild(el("p", "gaps", body.gaps.length ? body.gaps.map(function (g) { return titles[g]; })
      .join(" · ") : "None of the requirements checked is a gap."));

    result.appendChild(el("h2", "", "Your 90-day plan"));
    ["days 1-30", "days 31-60", "days 61-90"].forEach(function (phase) {
      var steps = body.plan.filter(function (s) { return s.phase === phase; });
      if (!steps.length) return;
      result.appendChild(el("h3", "", phase.charAt(0).toUpperCase() + phase.slice(1)));
      var ol = el("ul", "plan");
      steps.forEach(function (s) {
        var li = el("li", "step");
        li.appendChild(el("p", "", s.step + " [" + s.citation.n + "]"));
        li.appendChild(source(s.citation));
        ol.appendChild(li);
      });
      result.appendChild(ol);
    });

    var download = el("a", "download", "Download the plan (Markdown)");
    download.id = "my-path-download";
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([body.markdown || ""], { type: "text/markdown;charset=utf-8" }));
    download.href = downloadUrl;
    download.download = "my-path.md";
    result.appendChild(download);
  }

  toggle.addEventListener("click", function () {
    var opening = panel.hidden;
    if (opening && !built) build();
    panel.hidden = !opening;
    chatParts.forEach(function (part) { if (part) part.hidden = opening; });
    toggle.setAttribute("aria-expanded", String(opening));
    toggle.textContent = opening ? "Chat" : "My path";
  });
})();
