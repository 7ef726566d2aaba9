// Bulletin page: "Lưu và thu âm" works once (the server refuses a second build anyway), and the
// progress of a build refreshes itself; the page reloads when the bulletin is ready.
(function () {
  "use strict";
  var form = document.querySelector("form.build-once");
  if (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.value === "build") {
        setTimeout(function () {
          button.disabled = true;
          button.textContent = "Đang thu âm…";
        }, 0);
      }
    });
  }
  var box = document.getElementById("build");
  if (!box || box.dataset.status !== "building") return;
  function show(p) {
    var bar = document.getElementById("build-bar");
    bar.max = p.total || 1;
    bar.value = p.done;
    document.getElementById("build-percent").textContent = p.percent;
    document.getElementById("build-label").textContent = p.label;
    var error = document.getElementById("build-error");
    error.textContent = p.error || "";
    error.hidden = !p.error;
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.status === "building") setTimeout(poll, 1000);
        else if (p.status === "ready") window.location.reload();
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
