// Small progressive enhancements shared by pages (no inline scripts: the CSP forbids them).
"use strict";
document.querySelectorAll("select.autosubmit").forEach(function (el) {
  el.addEventListener("change", function () { el.form.submit(); });
});
// On a phone the filters start folded, so the results come first.
if (window.matchMedia && window.matchMedia("(max-width: 800px)").matches) {
  var facets = document.getElementById("facets");
  if (facets) { facets.removeAttribute("open"); }
}
