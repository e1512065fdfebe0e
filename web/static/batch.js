// Poll a batch's status; show counts and every finished file as it happens; reload for the report at the end.
"use strict";
(function () {
  var card = document.getElementById("batch");
  if (!card || card.getAttribute("data-done") === "true") { return; }
  var id = card.getAttribute("data-batch");
  var state = document.getElementById("state");
  var list = document.getElementById("live-files");
  var errtypes = {};
  var statuses = {};
  try { errtypes = JSON.parse(list.getAttribute("data-errtypes") || "{}"); } catch (e) { errtypes = {}; }
  try { statuses = JSON.parse(list.getAttribute("data-statuses") || "{}"); } catch (e) { statuses = {}; }
  function set(idName, value) { document.getElementById(idName).textContent = String(value); }
  function render(files) {
    list.textContent = "";
    files.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "status-" + f.status;
      var text = f.path + ": " + (statuses[f.status] || f.status);
      if (f.error) { text += " — " + (errtypes[f.error.type] || f.error.type) + ": " + f.error.message; }
      li.textContent = text;
      list.appendChild(li);
    });
  }
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
        render(s.files && s.files.length ? s.files : (s.failures || []));
        if (s.state === "completed" || s.state === "failed" || s.state === "cancelled") {
          // The report is written right beside the final status: reload to show it.
          window.setTimeout(function () { window.location.reload(); }, 1000);
          return;
        }
      }
      window.setTimeout(poll, 1500);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
