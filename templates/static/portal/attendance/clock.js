/* xuetu clock page: the code is typed, or read from the kiosk's QR with the camera (BarcodeDetector where the
   browser has it, the vendored jsQR otherwise); location, when the browser gives it, goes along as evidence. */
(function () {
  "use strict";
  var form = document.querySelector(".clock-form");
  if (!form) { return; }
  var codeInput = form.querySelector("input[name=code]");
  var submit = form.querySelector("button[type=submit]");
  var scan = form.querySelector(".clock-scan");
  var video = form.querySelector(".clock-video");
  var offline = form.querySelector(".clock-offline");

  // Clocking in needs the network: say so instead of failing.
  function online() {
    offline.hidden = navigator.onLine;
    if (submit) { submit.disabled = !navigator.onLine; }
  }
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  online();

  // One submission per page: the server answers a repeated one with its first result anyway.
  form.addEventListener("submit", function () {
    setTimeout(function () { if (submit) { submit.disabled = true; } }, 0);
  });

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      form.elements.accuracy.value = String(Math.round(position.coords.accuracy));
    }, function () { /* no location: the code is the proof */ }, { timeout: 8000, maximumAge: 60000 });
  }

  // What the kiosk's QR carries: the clock page's address with ?site=..&code=..
  function use(text) {
    var site = null;
    var code = null;
    try {
      var url = new URL(text, window.location.href);
      site = url.searchParams.get("site");
      code = url.searchParams.get("code");
    } catch (e) { return false; }
    if (!code || !/^[0-9]{6}$/.test(code)) { return false; }
    var siteField = form.elements.site;
    if (site && siteField) { siteField.value = site; }
    codeInput.value = code;
    return true;
  }

  var media = navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (!media || !scan || !(window.BarcodeDetector || window.jsQR)) { return; }
  scan.hidden = false;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = window.BarcodeDetector ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  var stream = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function found(text) {
    if (!use(text)) { return false; }
    stop();
    if (submit && !submit.disabled) {
      if (form.requestSubmit) { form.requestSubmit(submit); } else { submit.click(); }
    }
    return true;
  }

  function frame() {
    if (!stream) { return; }
    if (video.readyState < 2) { window.requestAnimationFrame(frame); return; }
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (!(codes.length && found(codes[0].rawValue))) { window.requestAnimationFrame(frame); }
      }).catch(function () { window.requestAnimationFrame(frame); });
      return;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var hit = window.jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
    if (!(hit && found(hit.data))) { window.requestAnimationFrame(frame); }
  }

  scan.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(frame); })
      .catch(function () { stop(); scan.hidden = true; });
  });
})();
