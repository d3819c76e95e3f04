/* The writer's Fallprotokoll draft saves itself: a few seconds after typing stops and when a
 * field loses focus, the sections go as JSON with the version the page started from. The
 * status says "gespeichert" or "nicht gespeichert" (with the rule's message when the server
 * refuses the text); without a connection it tries again. A 409 (someone saved in between)
 * stops autosaving, keeps the writer's text in the fields and shows under each field where it
 * differs the saved version and who saved it, until the writer takes their own text (saved
 * over the new version) or the saved one. Leaving the page with unsaved text asks first.
 * Nothing is kept in the browser's storage. Without this script the form's save button works
 * as usual. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  var status = document.querySelector("[data-autosave-status]");
  var problem = document.querySelector("[data-autosave-error]");
  var conflict = form.querySelector("[data-autosave-conflict]");
  /* the server's version while a conflict is open: {version, sections, risk_assessment, saved_by} */
  var theirs = null;
  var url = form.getAttribute("data-autosave");
  var token = form.querySelector("input[name=csrf_token]").value;
  var versionField = form.querySelector("input[name=version]");
  var fields = Array.prototype.slice.call(form.querySelectorAll("textarea:not([data-risk])"));
  /* a §8a item's risk assessment: its texts, the level and the participating professionals */
  var riskFields = Array.prototype.slice.call(form.querySelectorAll("[data-risk]"));
  var dirty = false;
  var saving = false;
  var stopped = false;
  var timer = null;
  var DELAY = 3000;
  var RETRY = 10000;

  function show(name) {
    status.textContent = form.getAttribute("data-" + name + "-text");
  }

  function refused(message) {
    problem.textContent = message || "";
    problem.hidden = !message;
  }

  function message(request) {
    try {
      return JSON.parse(request.responseText).error;
    } catch (ignored) {
      return "";
    }
  }

  /* where the saved version of one field is shown: under the field's block */
  function anchorOf(field) {
    return field.closest(".field") || field.closest("fieldset") || field;
  }

  function savedLabel() {
    if (theirs.saved_by) {
      return form.getAttribute("data-theirs-label").replace("{name}", theirs.saved_by);
    }
    return form.getAttribute("data-theirs-anonymous");
  }

  function showTheirs(anchor, key, text) {
    var box = document.createElement("div");
    box.className = "notice conflict-version";
    box.setAttribute("data-theirs-for", key);
    var label = document.createElement("p");
    label.className = "hint";
    label.textContent = savedLabel() + ":";
    var saved = document.createElement("p");
    saved.className = "prewrap";
    saved.textContent = text || form.getAttribute("data-theirs-empty");
    box.appendChild(label);
    box.appendChild(saved);
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
  }

  function theirRisk() {
    return theirs.risk_assessment || { professionals: [] };
  }

  function professionalNames(ids) {
    return riskFields
      .filter(function (field) {
        return field.type === "checkbox" && ids.indexOf(field.value) !== -1;
      })
      .map(function (field) {
        return field.parentNode.textContent.trim();
      })
      .join(", ");
  }

  function openConflict(server, error) {
    theirs = server;
    stopped = true;
    conflict.querySelector("[data-conflict-message]").textContent = error || "";
    conflict.querySelector("[data-conflict-by]").textContent = savedLabel() + ".";
    fields.forEach(function (field) {
      var text = (server.sections || {})[field.name] || "";
      if (text !== field.value) {
        showTheirs(anchorOf(field), field.name, text);
      }
    });
    if (riskFields.length) {
      var saved = theirRisk();
      var mine = risk();
      riskFields.forEach(function (field) {
        var key = field.getAttribute("data-risk");
        if (field.type === "checkbox") {
          return;
        }
        var text = saved[key] || "";
        if (text !== field.value) {
          if (field.tagName === "SELECT") {
            var option = field.querySelector('option[value="' + CSS.escape(text) + '"]');
            text = option ? option.textContent : text;
          }
          showTheirs(anchorOf(field), key, text);
        }
      });
      var theirIds = (saved.professionals || []).slice().sort();
      if (theirIds.join(",") !== mine.professionals.slice().sort().join(",")) {
        var box = riskFields.filter(function (field) {
          return field.type === "checkbox";
        })[0];
        if (box) {
          showTheirs(box.closest("fieldset"), "professionals", professionalNames(theirIds));
        }
      }
    }
    conflict.hidden = false;
    show("conflict");
  }

  function closeConflict() {
    Array.prototype.slice.call(form.querySelectorAll("[data-theirs-for]")).forEach(function (box) {
      box.parentNode.removeChild(box);
    });
    conflict.hidden = true;
    versionField.value = theirs.version;
    theirs = null;
    stopped = false;
  }

  conflict.querySelector("[data-conflict-mine]").addEventListener("click", function () {
    /* the writer has seen the saved version: their own text is saved over it */
    closeConflict();
    dirty = true;
    show("unsaved");
    schedule(0);
  });

  conflict.querySelector("[data-conflict-theirs]").addEventListener("click", function () {
    var server = theirs;
    fields.forEach(function (field) {
      field.value = (server.sections || {})[field.name] || "";
    });
    if (riskFields.length) {
      var saved = theirRisk();
      riskFields.forEach(function (field) {
        if (field.type === "checkbox") {
          field.checked = (saved.professionals || []).indexOf(field.value) !== -1;
        } else {
          field.value = saved[field.getAttribute("data-risk")] || "";
        }
      });
    }
    closeConflict();
    dirty = false;
    refused("");
    show("saved");
  });

  function sections() {
    var result = {};
    fields.forEach(function (field) {
      result[field.name] = field.value;
    });
    return result;
  }

  function risk() {
    if (!riskFields.length) {
      return null;
    }
    var result = { professionals: [] };
    riskFields.forEach(function (field) {
      if (field.type === "checkbox") {
        if (field.checked) {
          result.professionals.push(field.value);
        }
      } else {
        result[field.getAttribute("data-risk")] = field.value;
      }
    });
    return result;
  }

  function schedule(delay) {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(save, delay);
  }

  function save() {
    timer = null;
    if (!dirty || saving || stopped) {
      return;
    }
    saving = true;
    dirty = false;
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", token);
    request.onload = function () {
      saving = false;
      /* typed while the request was on its way: that text was not sent */
      var changed = dirty;
      if (request.status === 200) {
        versionField.value = JSON.parse(request.responseText).version;
        refused("");
        show(dirty ? "unsaved" : "saved");
        if (dirty) {
          schedule(DELAY);
        }
        return;
      }
      dirty = true;
      if (request.status === 409) {
        var server = null;
        try {
          server = JSON.parse(request.responseText).server;
        } catch (ignored) {
          server = null;
        }
        if (server) {
          refused("");
          openConflict(server, message(request));
        } else {
          stopped = true;
          show("conflict");
        }
        return;
      }
      show("unsaved");
      if (request.status >= 500) {
        refused("");
        schedule(RETRY);
      } else {
        /* the guard or another rule refused the text: its message says what to change */
        refused(message(request));
        if (changed) {
          schedule(DELAY);
        }
      }
    };
    request.onerror = function () {
      saving = false;
      dirty = true;
      show("offline");
      schedule(RETRY);
    };
    var body = { version: Number(versionField.value), sections: sections() };
    if (riskFields.length) {
      body.risk_assessment = risk();
    }
    request.send(JSON.stringify(body));
  }

  fields.concat(riskFields).forEach(function (field) {
    field.addEventListener(field.tagName === "TEXTAREA" ? "input" : "change", function () {
      dirty = true;
      show("unsaved");
      schedule(DELAY);
    });
    field.addEventListener("blur", function () {
      schedule(0);
    });
  });
  window.addEventListener("online", function () {
    schedule(0);
  });
  form.addEventListener("submit", function () {
    dirty = false;
    stopped = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty || saving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
