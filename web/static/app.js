// Small progressive enhancements shared by pages (no inline scripts: the CSP forbids them).
"use strict";
document.querySelectorAll("select.autosubmit").forEach(function (el) {
  el.addEventListener("change", function () { el.form.submit(); });
});
