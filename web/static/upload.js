// Drag-and-drop upload: send the files to the API with the page's CSRF token, then follow the batch.
"use strict";
(function () {
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("file-list");
  var count = document.getElementById("file-count");
  var errorBox = document.getElementById("upload-error");
  var busy = document.getElementById("upload-busy");
  var submit = document.getElementById("upload-submit");
  var maxBytes = parseInt(form.getAttribute("data-max-mb"), 10) * 1024 * 1024;
  var chosen = [];

  function show() {
    list.textContent = "";
    chosen.forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + " (" + Math.ceil(f.size / 1024) + " KB)";
      list.appendChild(li);
    });
    count.textContent = String(chosen.length);
  }
  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    busy.hidden = true;
    submit.disabled = false;
  }
  function add(files) {
    for (var i = 0; i < files.length; i++) { chosen.push(files[i]); }
    show();
  }
  input.addEventListener("change", function () { chosen = []; add(input.files); });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) { if (e.dataTransfer) { add(e.dataTransfer.files); } });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    errorBox.hidden = true;
    if (!chosen.length) { fail("0 files"); return; }
    var total = chosen.reduce(function (n, f) { return n + f.size; }, 0);
    if (total > maxBytes) { fail("> " + form.getAttribute("data-max-mb") + " MB"); return; }
    var data = new FormData();
    chosen.forEach(function (f) { data.append("files", f, f.name); });
    var manifest = document.getElementById("manifest");
    if (manifest.files.length) { data.append("manifest", manifest.files[0], manifest.files[0].name); }
    var split = document.getElementById("split");
    if (split) { data.append("split", split.value); }
    var colour = document.getElementById("expect-color");
    if (colour && colour.checked) { data.append("expect_color", "true"); }
    submit.disabled = true;
    busy.hidden = false;
    fetch("/api/batches", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {"X-CSRF-Token": document.body.getAttribute("data-csrf"), "X-Requested-With": "fetch"}
    }).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; });
    }).then(function (res) {
      if (!res.ok) { fail(res.status + ": " + (res.body.error || "error")); return; }
      window.location.assign("/batches/" + encodeURIComponent(res.body.batch));
    }).catch(function (err) { fail(String(err)); });
  });
})();
