/* The moderator's run view: the clocks tick. Each clock carries the seconds already used
 * (data-elapsed), when it was started (data-started, milliseconds since 1970, empty when
 * stopped) and its planned seconds (data-planned); past the plan it turns the warning colour
 * and shows its note. The server's time at rendering (data-server-now) corrects a client
 * clock that is off. Without this script the values rendered by the server stand. */
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

  function tick() {
    var sum = 0;
    clocks.forEach(function (clock) {
      var seconds = used(clock);
      sum += seconds;
      show(clock, seconds);
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
