/* The moderator's run view: the clocks tick. Each clock carries the seconds already used
 * (data-elapsed), when it was started (data-started, milliseconds since 1970, empty when
 * stopped) and its planned seconds (data-planned); past the plan it turns the warning colour
 * and shows its note. The server's time at rendering (data-server-now) corrects a client
 * clock that is off. The phase guide's highlight follows a running clock (see follow()).
 * Without this script the values rendered by the server stand. Nothing is kept in the
 * browser's storage. */
(function () {
  "use strict";

  var root = document.querySelector("[data-run-view]");
  if (!root) {
    return;
  }
  var offset = Date.now() - Number(root.getAttribute("data-server-now"));
  var clocks = Array.prototype.slice.call(root.querySelectorAll("[data-clock]"));
  var total = root.querySelector("[data-total-clock]");

  function serverNow() {
    return Date.now() - offset;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
  }

  function used(clock) {
    var seconds = Number(clock.getAttribute("data-elapsed")) || 0;
    var started = clock.getAttribute("data-started");
    if (started) {
      seconds += Math.max(0, Math.floor((serverNow() - Number(started)) / 1000));
    }
    return seconds;
  }

  function show(clock, seconds) {
    clock.textContent = format(seconds);
    var over = seconds > Number(clock.getAttribute("data-planned"));
    clock.classList.toggle("clock-over", over);
    var note = clock.parentNode.querySelector("[data-over-note]");
    if (note) {
      note.hidden = !over;
    }
  }

  /* The phase guide next to an item's clock: while the phase follows the plan
   * (data-phase-moved="0"), the highlight moves to the phase whose planned start
   * (data-starts-at, seconds on the item's clock) the clock has reached; the hidden "shown"
   * field of the buttons follows it, so "Nächste Phase" moves on from what is shown. A phase
   * the moderator moved to stays until they move again. */
  function follow(clock, seconds) {
    var item = clock.closest("[data-item-id]");
    var guide = item && item.querySelector("[data-phase-guide]");
    if (!guide || guide.getAttribute("data-phase-moved") === "1") {
      return;
    }
    var phases = Array.prototype.slice.call(guide.querySelectorAll("[data-phase]"));
    var current = phases[0];
    phases.forEach(function (phase) {
      if (Number(phase.getAttribute("data-starts-at")) <= seconds) {
        current = phase;
      }
    });
    phases.forEach(function (phase) {
      var on = phase === current;
      phase.classList.toggle("phase-current", on);
      if (on) {
        phase.setAttribute("aria-current", "true");
      } else {
        phase.removeAttribute("aria-current");
      }
      phase.querySelector("[data-phase-now]").hidden = !on;
    });
    var shown = guide.querySelector("[data-phase-shown]");
    if (shown && current) {
      shown.value = current.getAttribute("data-phase");
    }
  }

  function tick() {
    var sum = 0;
    clocks.forEach(function (clock) {
      var seconds = used(clock);
      sum += seconds;
      show(clock, seconds);
      follow(clock, seconds);
    });
    if (total) {
      show(total, sum);
    }
  }

  if (clocks.some(function (clock) { return clock.getAttribute("data-started"); })) {
    tick();
    window.setInterval(tick, 1000);
  }
})();
