/* Agenda order for the moderator: drag and drop on the list, or the "nach oben" / "nach unten"
 * buttons. Without this script the buttons are plain forms that post the resulting order.
 * With it, both save through fetch (form-encoded, with the page's CSRF token), rearrange the
 * list without a reload and announce the result in the page's live region. */
(function () {
  "use strict";

  var list = document.querySelector("ol[data-sortable]");
  if (!list) {
    return;
  }
  var status = document.getElementById("agenda-status");
  var url = list.getAttribute("data-reorder-url");
  var dragged = null;
  var before = null;

  function entries() {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.hasAttribute("data-item-id");
    });
  }

  function order() {
    return entries().map(function (li) {
      return li.getAttribute("data-item-id");
    });
  }

  function entry(id) {
    return entries().filter(function (li) {
      return li.getAttribute("data-item-id") === id;
    })[0];
  }

  function csrfToken() {
    var input = list.querySelector("input[name=csrf_token]") ||
      document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function announce(message, isError) {
    if (!status) {
      return;
    }
    status.textContent = message;
    status.classList.toggle("live-status-error", Boolean(isError));
  }

  function arrange(ids) {
    ids.forEach(function (id) {
      var li = entry(id);
      if (li) {
        list.appendChild(li);
      }
    });
  }

  // Each move button's form carries the order that pressing it gives: recompute after a change.
  function refreshMoveForms() {
    var ids = order();
    entries().forEach(function (li, i) {
      [["up", i - 1], ["down", i + 1]].forEach(function (move) {
        var form = li.querySelector("form[data-move=" + move[0] + "]");
        if (!form) {
          return;
        }
        var j = move[1];
        var possible = j >= 0 && j < ids.length;
        form.hidden = !possible;
        Array.prototype.forEach.call(form.querySelectorAll("input[name=order]"), function (el) {
          el.remove();
        });
        if (!possible) {
          return;
        }
        var next = ids.slice();
        next[i] = ids[j];
        next[j] = ids[i];
        next.forEach(function (id) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = "order";
          input.value = id;
          form.appendChild(input);
        });
      });
    });
  }

  function positionText(li) {
    var template = list.getAttribute("data-position-message") || "";
    var n = entries().indexOf(li) + 1;
    return template.replace("{label}", li.getAttribute("data-label")).replace("{n}", String(n));
  }

  function save(ids, previous, moved) {
    var body = new URLSearchParams();
    body.append("csrf_token", csrfToken());
    ids.forEach(function (id) {
      body.append("order", id);
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"
      },
      body: body.toString()
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            var error = new Error(data && data.error ? data.error.message : "");
            throw error;
          }
          return data;
        });
      })
      .then(function (data) {
        refreshMoveForms();
        announce(data.message + (moved ? " " + positionText(moved) : ""), false);
      })
      .catch(function (error) {
        arrange(previous);
        refreshMoveForms();
        var fallback = list.getAttribute("data-error-message");
        announce(error && error.message ? error.message + " " + fallback : fallback, true);
      });
  }

  // --- drag and drop ------------------------------------------------------------------------

  list.addEventListener("dragstart", function (event) {
    var li = event.target.closest ? event.target.closest("li[data-item-id]") : null;
    if (!li || li.parentNode !== list) {
      return;
    }
    dragged = li;
    before = order();
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.getAttribute("data-label"));
  });

  list.addEventListener("dragover", function (event) {
    if (!dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var over = event.target.closest ? event.target.closest("li[data-item-id]") : null;
    if (!over || over === dragged || over.parentNode !== list) {
      return;
    }
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  list.addEventListener("drop", function (event) {
    if (dragged) {
      event.preventDefault();
    }
  });

  list.addEventListener("dragend", function () {
    if (!dragged) {
      return;
    }
    var moved = dragged;
    moved.classList.remove("dragging");
    dragged = null;
    var now = order();
    if (now.join() !== before.join()) {
      save(now, before, moved);
    }
  });

  // --- the move buttons, without a reload -----------------------------------------------------

  list.addEventListener("submit", function (event) {
    var form = event.target;
    var direction = form.getAttribute("data-move");
    if (!direction) {
      return;
    }
    event.preventDefault();
    var ids = Array.prototype.map.call(form.querySelectorAll("input[name=order]"), function (el) {
      return el.value;
    });
    var previous = order();
    var li = form.closest("li[data-item-id]");
    arrange(ids);
    refreshMoveForms();
    // Keep the keyboard where it was: on the same button, or its twin at the list's end.
    var same = li.querySelector("form[data-move=" + direction + "]");
    var other = li.querySelector("form[data-move=" + (direction === "up" ? "down" : "up") + "]");
    var target = same && !same.hidden ? same : other;
    if (target) {
      target.querySelector("button").focus();
    }
    save(ids, previous, li);
  });
})();
