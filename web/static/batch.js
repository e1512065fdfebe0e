// Poll a running batch's status; show counts and failures as they happen; reload for the report at the end.
"use strict";
(function () {
  var card = document.getElementById("batch");
  if (!card || card.getAttribute("data-done") === "true") { return; }
  var id = card.getAttribute("data-batch");
  var state = document.getElementById("state");
  function set(idName, value) { document.getElementById(idName).textContent = String(value); }
  function poll() {
    fetch("/api/batches/" + encodeURIComponent(id), {
      credentials: "same-origin", headers: {"X-Requested-With": "fetch"}
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (s) {
        set("files-done", s.files_done);
        set("files-total", s.files_total);
        set("pages-done", s.pages_done);
        set("failure-count", s.failures.length);
        var bar = document.getElementById("bar");
        bar.max = s.files_total || 1;
        bar.value = s.files_done;
        state.textContent = state.getAttribute("data-label-" + s.state) || s.state;
        state.className = "state state-" + s.state;
        var list = document.getElementById("failures");
        list.textContent = "";
        s.failures.forEach(function (f) {
          var li = document.createElement("li");
          li.textContent = f.path + ": " + (f.error ? f.error.type + " " + f.error.message : "");
          list.appendChild(li);
        });
        if (s.state === "completed" || s.state === "failed") {
          // The report is written right after the final status: reload until the page shows it.
          window.setTimeout(function () { window.location.reload(); }, 1000);
          return;
        }
      }
      window.setTimeout(poll, 1500);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
