// Draw the matched words' boxes over each page image and scroll to the page asked for (?page=N).
"use strict";
document.querySelectorAll(".overlay-box").forEach(function (box) {
  var boxes = [];
  try { boxes = JSON.parse(box.getAttribute("data-boxes") || "[]"); } catch (e) { boxes = []; }
  boxes.forEach(function (b) {
    var mark = document.createElement("span");
    mark.className = "word-hit";
    mark.style.left = b[0] + "%";
    mark.style.top = b[1] + "%";
    mark.style.width = b[2] + "%";
    mark.style.height = b[3] + "%";
    box.appendChild(mark);
  });
});
(function () {
  var page = new URLSearchParams(window.location.search).get("page");
  if (page && /^\d+$/.test(page)) {
    var el = document.getElementById("page-" + page);
    if (el) { el.classList.add("target"); el.scrollIntoView(); }
  }
})();
// Click a page image to see it at full size (click again, or Escape, to fit it back).
document.querySelectorAll(".overlay-box img").forEach(function (img) {
  img.addEventListener("click", function () {
    img.closest(".page-image").classList.toggle("zoomed");
  });
});
document.addEventListener("keydown", function (e) {
  if (e.key === "Escape") {
    document.querySelectorAll(".page-image.zoomed").forEach(function (el) { el.classList.remove("zoomed"); });
  }
});
