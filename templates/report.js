// Draws the report's charts from the options in #chart-data and filters the
// table of cases. Plain ES5 so that any browser that runs ECharts runs it.
(function () {
  "use strict";

  function drawCharts() {
    var holder = document.getElementById("chart-data");
    var specs = holder ? JSON.parse(holder.textContent || "[]") : [];
    if (typeof echarts === "undefined") {
      // Offline, or the asset host is blocked: say so where each chart goes.
      for (var i = 0; i < specs.length; i++) {
        var el = document.getElementById(specs[i].id);
        if (el) {
          el.className += " chart-missing";
          el.style.height = "auto";
          el.textContent = "Chart not drawn: ECharts could not be loaded. The tables on this page hold the same numbers.";
        }
      }
      return;
    }
    var dark = document.documentElement.getAttribute("data-theme") === "dark";
    var drawn = [];
    specs.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) {
        return;
      }
      var option = spec.option;
      if (dark) {
        option.backgroundColor = "transparent"; // let the card colour show
        var save = option.toolbox && option.toolbox.feature && option.toolbox.feature.saveAsImage;
        if (save) {
          // A saved PNG has no card behind it: paint the card colour in.
          save.backgroundColor = getComputedStyle(document.documentElement).getPropertyValue("--surface").trim();
        }
      }
      if (spec.tips) {
        // Tip lines are HTML-escaped by the report generator.
        option.tooltip = option.tooltip || {};
        option.tooltip.formatter = function (p) {
          var t = spec.tips[p.dataIndex];
          return t ? "<b>" + t[0] + "</b><br>" + t.slice(1).join("<br>") : "";
        };
      }
      if (spec.kind === "ratio") {
        // Bars hold ratio-1 so they diverge from 1; label the axis in ratios.
        option.xAxis[0].axisLabel = {
          formatter: function (v) { return (1 + v).toFixed(2) + "×"; }
        };
      }
      var chart = echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
      chart.setOption(option);
      drawn.push(chart);
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (c) { c.resize(); });
    });
  }

  function caseFilter() {
    var input = document.getElementById("case-filter");
    var table = document.getElementById("case-table");
    var count = document.getElementById("case-count");
    if (!input || !table) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !hit;
        if (hit) {
          shown++;
        }
      });
      count.textContent = q ? shown + " of " + rows.length + " cases" : "";
    });
  }

  drawCharts();
  caseFilter();
})();
