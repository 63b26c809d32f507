// Charts of the dashboard. Each chart is drawn from the table beside it (the table is the
// accessible version and the single source of the numbers): the first cell of a row is its
// label, every column without data-series="none" is a series, and cells carry data-value.
(function () {
  "use strict";
  const palette = ["#146eb4", "#b3261e", "#a15c00", "#5b6472", "#1e7d32", "#6b3fa0"];

  function readTable(table) {
    const heads = Array.from(table.tHead.rows[0].cells);
    const columns = heads
      .map((cell, index) => ({ index, name: cell.textContent.trim(), cell }))
      .filter((column) => column.index > 0 && column.cell.dataset.series !== "none");
    const rows = Array.from(table.tBodies[0].rows);
    return {
      labels: rows.map((row) => row.cells[0].textContent.trim().replace(/\s+/g, " ")),
      datasets: columns.map((column, n) => ({
        label: column.name,
        data: rows.map((row) => Number(row.cells[column.index].dataset.value)),
        backgroundColor: palette[n % palette.length],
        borderColor: palette[n % palette.length],
      })),
    };
  }

  function draw(figure) {
    const table = figure.querySelector("table.chart-data");
    const canvas = figure.querySelector("canvas");
    if (!table || !canvas || !window.Chart) return;
    const horizontal = figure.dataset.horizontal === "true";
    const stacked = figure.dataset.stacked === "true";
    new window.Chart(canvas, {
      type: figure.dataset.chart || "bar",
      data: readTable(table),
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: { x: { stacked }, y: { stacked } },
      },
    });
    figure.dataset.drawn = "true";
  }

  function start() {
    document.querySelectorAll("figure.chart").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
