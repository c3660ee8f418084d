/* xuetu portal: draw the dashboard charts (Chart.js) and redraw them after htmx swaps. */
(function () {
  "use strict";
  // Refusals (400 bad input, 422 a rule says no) carry the page part that explains them: swap those too.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "400", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true }
    ];
  }
  var palette = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#0a7ea4", "#57606a", "#e16f24"];

  function draw(root) {
    if (!window.Chart) { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var kind = canvas.dataset.chart;
      var round = kind === "doughnut" || kind === "pie";
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, {
        type: kind,
        data: {
          labels: data.labels,
          datasets: [{
            data: data.values,
            backgroundColor: round ? palette : palette[0],
            borderWidth: round ? 1 : 0
          }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: round, position: "bottom" } },
          scales: round ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    });
  }

  // A <select data-autosubmit> (the language switch) submits its form on change: no inline handler, which the
  // Content-Security-Policy would refuse.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
