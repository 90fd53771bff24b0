// Draws each chart from the table that holds its numbers (data-chart="bar|hbar|line"):
// the table stays the accessible source; the canvas is a picture of it.
(function () {
  "use strict";
  var COLOURS = ["#0b5cad", "#c75b12", "#2e7d32", "#6a1b9a", "#00838f"];

  function number(cell) {
    var text = cell ? cell.getAttribute("data-value") : "";
    return text === null || text === "" ? null : Number(text);
  }

  function fromTable(table) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th")).slice(1);
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var labels = rows.map(function (row) { return row.querySelector("th").textContent.trim(); });
    var datasets = [];
    heads.forEach(function (head, n) {
      if (head.hasAttribute("data-chart-skip")) { return; }
      var right = head.getAttribute("data-axis") === "right";
      datasets.push({
        label: head.textContent.trim(),
        data: rows.map(function (row) { return number(row.querySelectorAll("td")[n]); }),
        backgroundColor: COLOURS[n % COLOURS.length],
        borderColor: COLOURS[n % COLOURS.length],
        yAxisID: right ? "right" : "y",
        spanGaps: true
      });
    });
    return { labels: labels, datasets: datasets };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-chart-for"));
    if (!table || typeof Chart === "undefined") { return; }
    var kind = table.getAttribute("data-chart");
    var data = fromTable(table);
    var scales = { y: { beginAtZero: true } };
    if (data.datasets.some(function (d) { return d.yAxisID === "right"; })) {
      scales.right = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
    }
    new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: data,
      options: {
        indexAxis: kind === "hbar" ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: kind === "hbar" ? { x: { beginAtZero: true } } : scales,
        plugins: { legend: { display: data.datasets.length > 1 } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart-for]").forEach(draw);
  });
})();
