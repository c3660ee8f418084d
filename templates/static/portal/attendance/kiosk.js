/* xuetu kiosk: show the work site's current code and QR, fetch the next one when the step ends (every 30 s). */
(function () {
  "use strict";
  var root = document.querySelector(".kiosk");
  if (!root) { return; }
  var url = root.dataset.codeUrl;
  var code = root.querySelector(".kiosk-code");
  var qr = root.querySelector(".kiosk-qr");
  var countdown = root.querySelector("[data-testid=kiosk-countdown]");
  var offline = root.querySelector(".kiosk-offline");
  var step = root.dataset.step;
  var left = parseInt(root.dataset.secondsLeft, 10) || 30;
  var busy = false;

  function show(data) {
    if (String(data.step) !== step) {
      step = String(data.step);
      code.textContent = data.code;
      qr.src = data.qr;
    }
    left = data.seconds_left;
    offline.hidden = true;
  }

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(show)
      .catch(function () { offline.hidden = false; left = 3; })
      .then(function () { busy = false; });
  }

  setInterval(function () {
    left -= 1;
    if (left <= 0) { refresh(); }
    countdown.textContent = String(Math.max(left, 0));
  }, 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
