// Repair form: offer knowledge-base answers while the requester describes the problem.
(function () {
  "use strict";
  var box = document.getElementById("kb-suggestions");
  var list = document.getElementById("kb-list");
  var field = document.getElementById("description");
  if (!box || !list || !field || !window.fetch) { return; }
  var timer = null;
  var last = "";

  function show(items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = item.title;          // textContent: answers are never parsed as HTML
      var answer = document.createElement("div");
      answer.className = "answer";
      answer.textContent = item.answer;
      li.appendChild(title);
      li.appendChild(answer);
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  function lookup() {
    var text = field.value.trim();
    if (text.length < 4 || text === last) { return; }
    last = text;
    fetch("/kb/suggest?q=" + encodeURIComponent(text.slice(0, 500)), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { show(data.items || []); })
      .catch(function () { show([]); });
  }

  field.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(lookup, 400);
  });
})();
