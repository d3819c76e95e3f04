/* The writer's Fallprotokoll draft saves itself: a few seconds after typing stops and when a
 * field loses focus, the sections go as JSON with the version the page started from. The
 * status says "gespeichert" or "nicht gespeichert"; without a connection it tries again; a
 * 409 (someone saved in between) stops autosaving and keeps the text on the page. Leaving
 * the page with unsaved text asks first. Nothing is kept in the browser's storage. Without
 * this script the form's save button works as usual. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  var status = document.querySelector("[data-autosave-status]");
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
      if (request.status === 200) {
        versionField.value = JSON.parse(request.responseText).version;
        show(dirty ? "unsaved" : "saved");
        if (dirty) {
          schedule(DELAY);
        }
        return;
      }
      dirty = true;
      if (request.status === 409) {
        stopped = true;
        show("conflict");
        return;
      }
      show("unsaved");
      if (request.status >= 500) {
        schedule(RETRY);
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
