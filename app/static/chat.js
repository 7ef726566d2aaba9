// Web chat: what arrives after the page was loaded (an officer's answer, an announcement) is
// appended without a reload. The page asks /chat/updates?after=<last message id> every few
// seconds (less often while the tab is hidden); without JavaScript a reload shows the same.
(function () {
  "use strict";
  var list = document.getElementById("chat");
  if (!list || !window.fetch) return;
  var url = list.dataset.updates;
  var after = list.dataset.after || "0";
  var shown = {}; // ids on the page after `after`, so a late message is not shown twice
  (list.dataset.shown || "").split(" ").forEach(function (id) {
    if (id) shown[id] = true;
  });
  var VISIBLE = 4000, HIDDEN = 30000, MAX_WAIT = 60000;
  var failures = 0, timer = null;

  function nearBottom() {
    var doc = document.documentElement;
    return window.innerHeight + window.scrollY >= doc.scrollHeight - 120;
  }

  function bubble(m) {
    var item = document.createElement("li");
    item.className = m.who === "me" ? "me" : m.who === "officer" ? "bot officer" : "bot";
    if (m.label) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.label;
      item.appendChild(who);
    }
    var text = document.createElement("div");
    text.className = "bubble";
    text.textContent = m.text;
    item.appendChild(text);
    if (m.audio) {
      var audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = m.audio;
      item.appendChild(audio);
    }
    return item;
  }

  function show(messages) {
    var follow = nearBottom();
    var last = null;
    messages.forEach(function (m) {
      if (shown[m.id]) return;
      shown[m.id] = true;
      last = bubble(m);
      list.appendChild(last);
    });
    if (last && follow) last.scrollIntoView({ block: "end" });
  }

  function schedule(wait) {
    clearTimeout(timer);
    timer = setTimeout(poll, wait);
  }

  function poll() {
    fetch(url + "?after=" + encodeURIComponent(after), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        if (r.status === 403) throw new Error("expired"); // a reload starts a new session
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (data) {
        failures = 0;
        show(data.messages || []);
        after = String(data.last);
        schedule(data.more ? 0 : document.hidden ? HIDDEN : VISIBLE);
      })
      .catch(function (error) {
        if (error && error.message === "expired") return;
        failures += 1;
        schedule(Math.min(MAX_WAIT, VISIBLE * Math.pow(2, failures)));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) schedule(0);
  });
  schedule(VISIBLE);
})();
