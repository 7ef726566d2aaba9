// Announcements page: the send button works once (the server refuses a second send anyway),
// and the progress of a sending announcement refreshes itself.
(function () {
  "use strict";
  var form = document.querySelector("form.send-once");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      button.disabled = true;
      button.textContent = "Đang gửi…";
    });
  }
  var box = document.getElementById("progress");
  if (!box || box.dataset.status === "done") return;
  var labels = { draft: "Bản nháp", sending: "Đang gửi", done: "Đã gửi xong" };
  function show(p) {
    ["total", "delivered", "failed", "unreachable", "pending", "waiting"].forEach(function (k) {
      document.getElementById("count-" + k).textContent = p[k];
    });
    var bar = document.getElementById("progress-bar");
    bar.max = p.total || 1;
    bar.value = p.total - p.pending;
    document.getElementById("progress-percent").textContent =
      p.total ? Math.round((100 * (p.total - p.pending)) / p.total) : 100;
    document.getElementById("status-label").textContent = labels[p.status] || p.status;
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.status !== "done") setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
