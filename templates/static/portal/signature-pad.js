/* A handwritten signature drawn on the signing page: mouse, pen and touch through pointer events.
 *
 * The drawing is posted with the form as a PNG data: URL in the hidden input name="drawing"; the server checks it
 * (PNG only, bounded size, not blank: backend.signing.marks). The form is not submitted while the pad is empty.
 * No inline script: the page loads this file (a Content-Security-Policy is in force).
 */
(function () {
  "use strict";

  var EXPORT_MAX_WIDTH = 800; // pixels of the posted PNG (the server accepts 100x40 to 2000x1000)
  var LINE_WIDTH = 2.6; // CSS pixels

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("input[name=drawing]");
    var clear = pad.querySelector("[data-signature-clear]");
    var error = pad.querySelector("[data-signature-error]");
    var form = pad.closest("form");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    function ratio() {
      return Math.max(window.devicePixelRatio || 1, 1);
    }

    function size() {
      var rect = canvas.getBoundingClientRect();
      var r = ratio();
      var width = Math.round(rect.width * r);
      var height = Math.round(rect.height * r);
      if (canvas.width === width && canvas.height === height) return;
      var keep = inked ? canvas.toDataURL("image/png") : null;
      canvas.width = width;
      canvas.height = height;
      style();
      if (keep) paint(keep);
    }

    function style() {
      ctx.setTransform(ratio(), 0, 0, ratio(), 0, 0);
      ctx.lineWidth = LINE_WIDTH;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#141428";
      ctx.fillStyle = "#141428";
    }

    function paint(dataUrl) {
      var image = new Image();
      image.onload = function () {
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        ctx.restore();
        inked = true;
        pad.dataset.drawn = "true";
      };
      image.src = dataUrl;
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    function exportPng() {
      var scale = Math.min(1, EXPORT_MAX_WIDTH / canvas.width);
      var out = document.createElement("canvas");
      out.width = Math.max(1, Math.round(canvas.width * scale));
      out.height = Math.max(1, Math.round(canvas.height * scale));
      out.getContext("2d").drawImage(canvas, 0, 0, out.width, out.height);
      input.value = out.toDataURL("image/png");
    }

    function showError(message) {
      if (!error) return;
      error.textContent = message || "";
      error.hidden = !message;
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      size();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      ctx.beginPath();
      ctx.arc(last.x, last.y, LINE_WIDTH / 2, 0, Math.PI * 2);
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      for (var i = 0; i < events.length; i++) {
        var p = point(events[i]);
        ctx.lineTo(p.x, p.y);
        last = p;
      }
      ctx.stroke();
      inked = true;
    });
    function end(event) {
      if (!drawing) return;
      drawing = false;
      if (event && canvas.releasePointerCapture && event.pointerId !== undefined) {
        try { canvas.releasePointerCapture(event.pointerId); } catch (e) { /* already released */ }
      }
      inked = true;
      pad.dataset.drawn = "true";
      exportPng();
      showError("");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);

    if (clear) {
      clear.addEventListener("click", function () {
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        ctx.restore();
        inked = false;
        input.value = "";
        delete pad.dataset.drawn;
      });
    }

    if (form) {
      form.addEventListener("submit", function (event) {
        if (!input.value) {
          event.preventDefault();
          showError(pad.dataset.emptyMessage);
          canvas.scrollIntoView({ block: "center" });
        }
      });
    }

    window.addEventListener("resize", size);
    size();
    // after a refused submit (a wrong code, say) the page comes back with the drawing: show it again
    if (input.value && input.value.indexOf("data:image/png;base64,") === 0) paint(input.value);
  }

  function start() {
    var pads = document.querySelectorAll("[data-signature-pad]");
    for (var i = 0; i < pads.length; i++) setUp(pads[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
