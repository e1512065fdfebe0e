// The review screen: keyboard-first correction of a document's fields.
// Tab moves through the fields; the focused field's box is highlighted on its page image.
// Enter saves the changed fields; Ctrl+Enter saves, approves and opens the next document; Alt+←/→ step.
"use strict";
(function () {
  var root = document.getElementById("review");
  if (!root) { return; }
  var form = document.getElementById("review-form");
  var status = document.getElementById("status");
  var csrf = document.body.getAttribute("data-csrf") || "";
  var id = root.getAttribute("data-id");
  var version = parseInt(root.getAttribute("data-version"), 10);
  var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-field]"));
  var busy = false;

  function highlight(input) {
    document.querySelectorAll(".field-box").forEach(function (b) { b.remove(); });
    var page = input.getAttribute("data-page");
    var box = input.getAttribute("data-box");
    if (!page || !box) { return; }
    var holder = document.querySelector('.overlay-box[data-page="' + page + '"]');
    if (!holder) { return; }
    var b = JSON.parse(box);
    var mark = document.createElement("span");
    mark.className = "field-box";
    mark.style.left = b[0] + "%";
    mark.style.top = b[1] + "%";
    mark.style.width = b[2] + "%";
    mark.style.height = b[3] + "%";
    holder.appendChild(mark);
    mark.scrollIntoView({ block: "nearest" });
  }

  var timers = {};
  function suggest(input) {
    var name = input.getAttribute("data-field");
    clearTimeout(timers[name]);
    timers[name] = setTimeout(function () {
      var url = "/api/review/suggestions?field=" + encodeURIComponent(name) + "&q=" + encodeURIComponent(input.value);
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { values: [] }; })
        .then(function (data) {
          var list = document.getElementById("suggest-" + name);
          if (!list) { return; }
          list.textContent = "";
          data.values.forEach(function (v) {
            var o = document.createElement("option");
            o.value = v;
            list.appendChild(o);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
  }

  inputs.forEach(function (input) {
    input.addEventListener("focus", function () { highlight(input); if (input.getAttribute("data-suggest")) { suggest(input); } });
    if (input.getAttribute("data-suggest")) { input.addEventListener("input", function () { suggest(input); }); }
  });

  function clearErrors() {
    document.querySelectorAll(".review-table .error").forEach(function (e) { e.textContent = ""; });
    inputs.forEach(function (i) { i.removeAttribute("aria-invalid"); });
  }

  function changed() {
    var out = {};
    inputs.forEach(function (i) {
      if (i.value !== i.getAttribute("data-initial")) { out[i.getAttribute("data-field")] = i.value; }
    });
    return out;
  }

  function save(approve) {
    if (busy) { return Promise.resolve(false); }
    busy = true;
    clearErrors();
    status.textContent = "…";
    var body = JSON.stringify({ fields: changed(), approve: approve, version: version });
    return fetch("/api/documents/" + id + "/metadata", {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
      body: body
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }).then(function (res) {
      busy = false;
      if (res.ok) {
        version = res.data.version;
        document.getElementById("doc-version").textContent = String(version);
        Object.keys(res.data.fields).forEach(function (name) {
          var input = document.getElementById("f-" + name);
          if (!input) { return; }
          var v = res.data.fields[name].value;
          var text = v === null || v === undefined ? "" : Array.isArray(v) ? v.join("; ") : String(v);
          input.value = text;
          input.setAttribute("data-initial", text);
        });
        status.textContent = (approve ? "✓ " : "") + "v" + version;
        status.setAttribute("data-saved", String(version));
        return true;
      }
      if (res.status === 422 && res.data.field) {
        var input = document.getElementById("f-" + res.data.field);
        var err = document.getElementById("err-" + res.data.field);
        if (err) { err.textContent = res.data.reason; }
        if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
      }
      status.textContent = res.data.error || ("HTTP " + res.status);
      return false;
    }).catch(function (e) {
      busy = false;
      status.textContent = String(e);
      return false;
    });
  }

  function approveAndNext() {
    save(true).then(function (ok) {
      if (ok) { window.location.assign(root.getAttribute("data-next") || root.getAttribute("data-queue")); }
    });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); save(false); });
  document.getElementById("approve").addEventListener("click", approveAndNext);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); approveAndNext(); return; }
    if (e.altKey && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
      var link = document.getElementById(e.key === "ArrowRight" ? "next-doc" : "prev-doc");
      if (link) { e.preventDefault(); window.location.assign(link.href); }
    }
  });
  if (inputs.length) { inputs[0].focus(); inputs[0].select(); }
})();
