/* xuetu web app: registers the service worker (the shell's static assets only) and says so when the network is
   gone (pages that write, such as clocking in, need it). */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the portal works without */ });
    });
  }
  var banner = document.querySelector(".offline-banner");
  function update() {
    if (banner) { banner.hidden = navigator.onLine; }
    document.documentElement.classList.toggle("is-offline", !navigator.onLine);
  }
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
})();
