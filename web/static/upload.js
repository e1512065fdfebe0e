// Drag-and-drop upload: send the files to the API with the page's CSRF token (XHR, for byte progress),
// show each file's state as its bytes go out, then what the server did with each, then follow the batch.
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
  var bar = document.getElementById("upload-bar");
  var bytesBox = document.getElementById("upload-bytes");
  var submit = document.getElementById("upload-submit");
  var maxBytes = parseInt(form.getAttribute("data-max-mb"), 10) * 1024 * 1024;
  function label(name) { return form.getAttribute("data-label-" + name) || name; }
  var chosen = [];
  var rows = [];

  function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.ceil(n / 1024) + " KB"; }
  function show() {
    list.textContent = "";
    rows = chosen.map(function (f) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = f.name + " (" + size(f.size) + ")";
      var state = document.createElement("span");
      state.className = "state";
      li.appendChild(name);
      li.appendChild(state);
      list.appendChild(li);
      return {li: li, state: state, file: f};
    });
    count.textContent = String(chosen.length);
  }
  function setState(row, cls, text) { row.li.className = cls; row.state.textContent = text; }
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

  function progress(loaded, total) {
    // Files go out in order: a file is sent once the bytes before its end have gone.
    var scale = total ? loaded / total : 0;
    var sum = chosen.reduce(function (n, f) { return n + f.size; }, 0);
    var done = sum * scale;
    var end = 0;
    rows.forEach(function (row) {
      var start = end;
      end += row.file.size;
      if (done >= end) { setState(row, "sent", label("sent")); }
      else if (done > start) { setState(row, "sending", label("sending") + " " + Math.floor(100 * (done - start) / (row.file.size || 1)) + "%"); }
      else { setState(row, "waiting", label("waiting")); }
    });
    bar.max = total || 1;
    bar.value = loaded;
    bytesBox.textContent = size(loaded) + " / " + size(total);
  }
  function received(body) {
    var byName = {};
    (body.received || []).forEach(function (r) { byName[r.name] = r; });
    rows.forEach(function (row) {
      var r = byName[row.file.name];
      if (!r) { return; }
      var notes = [label("accepted")];
      if (r.kind === "zip") { notes.push(r.members + " " + label("zip_members")); }
      else if (!r.kind) { notes.push(label("not_scan")); }
      if (r.renamed) { notes.push(label("renamed") + ": " + r.path); }
      setState(row, r.kind ? "sent" : "warn", notes.join(" · "));
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    errorBox.hidden = true;
    if (!chosen.length) { fail("0 files"); return; }
    var total = chosen.reduce(function (n, f) { return n + f.size; }, 0);
    if (total > maxBytes) { fail(label("refused") + ": > " + form.getAttribute("data-max-mb") + " MB"); return; }
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
    bar.hidden = false;
    progress(0, total);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/batches");
    xhr.setRequestHeader("X-CSRF-Token", document.body.getAttribute("data-csrf"));
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.upload.addEventListener("progress", function (ev) { if (ev.lengthComputable) { progress(ev.loaded, ev.total); } });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (err) { body = {}; }
      if (xhr.status < 200 || xhr.status >= 300) { fail(label("refused") + " (" + xhr.status + "): " + (body.error || "error")); return; }
      received(body);
      form.setAttribute("data-batch", body.batch);
      window.setTimeout(function () { window.location.assign("/batches/" + encodeURIComponent(body.batch)); }, 1200);
    });
    xhr.addEventListener("error", function () { fail(label("refused")); });
    xhr.send(data);
  });
})();
