// The inbox and the question page: tick a whole group of similar questions at once, and insert
// a saved reply or an FAQ entry's answer (with its source) into the answer box without
// reloading the page (without JavaScript, the same forms reload the page with the text in).
(function () {
  "use strict";
  document.querySelectorAll("button.pick-group").forEach(function (button) {
    button.addEventListener("click", function () {
      var boxes = button.closest("section").querySelectorAll("input[name=question][form=bulk]");
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      boxes.forEach(function (b) { b.checked = !all; });
    });
  });
  var picker = document.getElementById("reply-pick");
  var box = document.getElementById("answer-box");
  if (!picker || !box) return;
  picker.form.addEventListener("submit", function (event) {
    var typed = picker.form.querySelector("input[name=muc]");
    var option = picker.options[picker.selectedIndex];
    if ((typed && typed.value.trim()) || !option || !option.value) return; // the server inserts it
    event.preventDefault();
    var text = option.getAttribute("data-text") || "";
    var start = box.selectionStart, end = box.selectionEnd, before = box.value.slice(0, start);
    var glue = before && !/\n$/.test(before) ? "\n\n" : "";
    box.value = before + glue + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + glue.length + text.length;
  });
})();
