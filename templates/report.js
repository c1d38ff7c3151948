// The page script of the report and the trend page. It draws the charts
// from the options in #chart-data (visible ones first, the rest a few at a
// time so the page stays responsive), pages and filters the long tables
// from #table-data, switches the theme, redraws for print, and when done
// writes on <body> what it drew and any script errors, which the browser
// test reads: data-report-ready, data-charts-expected, data-charts-drawn,
// data-js-errors (a JSON array), data-echarts-version, and timings
// (data-draw-ms, data-longest-draw-ms, data-ready-ms). With #selfcheck in the URL it draws
// everything at once and also checks that each chart's canvas is not blank
// (data-charts-blank, data-chart-rects).
//
// Plain ES5 so that any browser that runs ECharts runs it. Every string from
// the results is set with textContent, never parsed as HTML, except tooltip
// lines, which the generator has HTML-escaped.
(function () {
  "use strict";

  var errors = window.__reportErrors || (window.__reportErrors = []);
  var root = document.documentElement;
  var body = document.body;
  var selfcheck = /(^|[#&])selfcheck(&|$)/.test(location.hash.slice(1));
  var PRINT_WIDTH = 680; // CSS px across an A4 or Letter page inside its margins

  function parseJSON(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    try {
      return JSON.parse(el.textContent || "null");
    } catch (e) {
      errors.push("#" + id + ": " + e.message);
      return null;
    }
  }

  var specs = parseJSON("chart-data") || [];
  var tables = parseJSON("table-data") || {};
  var charts = {}; // id -> ECharts instance
  var drawn = {}; // id -> true once drawn without error
  var finished = false;
  var printing = false;
  var drawMs = 0; // time spent drawing, and the longest single chart
  var longestMs = 0;
  var longestId = "";

  function each(list, fn) {
    for (var i = 0; i < list.length; i++) {
      fn(list[i], i);
    }
  }

  function isDark() {
    return root.getAttribute("data-theme") === "dark";
  }

  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }

  // --- charts ---

  // option builds a fresh ECharts option from a spec: the spec's JSON is
  // kept as it came so the chart can be drawn again (theme, print).
  function option(spec, dark) {
    var o = JSON.parse(JSON.stringify(spec.option));
    o.backgroundColor = "transparent"; // let the card colour show
    var save = o.toolbox && o.toolbox.feature && o.toolbox.feature.saveAsImage;
    if (save) {
      // A saved PNG has no card behind it: paint the card colour in.
      save.backgroundColor = dark ? cssVar("--surface") : "#ffffff";
    }
    o.tooltip = o.tooltip || {};
    o.tooltip.className = "chart-tip"; // found by the self-check
    if (spec.tips || spec.stips) {
      o.tooltip.confine = true;
      o.tooltip.formatter = function (p) {
        var t = null;
        if (spec.stips) {
          var s = spec.stips[p.seriesIndex];
          t = s ? s[p.dataIndex] : null;
        } else {
          t = spec.tips[p.dataIndex];
        }
        // Tip lines are HTML-escaped by the report generator.
        return t ? "<b>" + t[0] + "</b><br>" + t.slice(1).join("<br>") : "";
      };
    }
    if (printing) {
      o.toolbox = { show: false }; // no buttons on paper
    }
    if (spec.kind === "ratio") {
      // Bars hold log2(ratio) so they diverge from 1× and a halving looks
      // as big as a doubling; label the axis back in ratios.
      o.xAxis[0].axisLabel = {
        formatter: function (v) {
          var r = Math.pow(2, v);
          return (r >= 10 || r < 0.1 ? r.toPrecision(2) : r.toFixed(2)) + "×";
        }
      };
    }
    return o;
  }

  function draw(spec, renderer) {
    var el = document.getElementById(spec.id);
    if (!el) {
      errors.push("no container for chart " + spec.id);
      return;
    }
    try {
      if (charts[spec.id]) {
        charts[spec.id].dispose();
      }
      var dark = isDark() && !printing;
      var t0 = Date.now();
      var chart = echarts.init(el, dark ? "dark" : null, { renderer: renderer || "canvas" });
      chart.setOption(option(spec, dark));
      if (spec.links) {
        // A point opens what it stands for (a run's commit, or its row).
        chart.on("click", function (p) {
          var l = p.componentType === "series" ? spec.links[p.dataIndex] : null;
          if (!l) {
            return;
          }
          if (l.charAt(0) === "#") {
            location.hash = l;
          } else {
            window.open(l, "_blank", "noopener");
          }
        });
      }
      var ms = Date.now() - t0;
      drawMs += ms;
      if (ms > longestMs) {
        longestMs = ms;
        longestId = spec.id;
      }
      charts[spec.id] = chart;
      drawn[spec.id] = true;
    } catch (e) {
      errors.push("chart " + spec.id + ": " + (e && e.message ? e.message : String(e)));
    }
  }

  function noECharts() {
    // Offline with --assets cdn, or the CDN blocked: say so where each chart goes.
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (el) {
        el.className += " chart-missing";
        el.style.height = "auto";
        el.textContent = "Chart not drawn: ECharts could not be loaded. The tables on this page hold the same numbers.";
      }
    });
    finish();
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    var h = window.innerHeight || root.clientHeight;
    return r.bottom >= -200 && r.top <= h + 400;
  }

  // collapsed returns the closed <details> around el, if any: its charts
  // are drawn when it opens (a chart needs its container's size).
  function collapsed(el) {
    for (var p = el && el.parentNode; p && p !== body; p = p.parentNode) {
      if (p.tagName === "DETAILS" && !p.open) {
        return p;
      }
    }
    return null;
  }

  function drawIn(container) {
    if (typeof echarts === "undefined") {
      return;
    }
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (el && container.contains(el) && !collapsed(el)) {
        if (drawn[spec.id]) {
          charts[spec.id].resize();
        } else {
          draw(spec);
        }
      }
    });
    if (finished) {
      mark();
    }
  }

  function drawAll() {
    if (typeof echarts === "undefined") {
      noECharts();
      return;
    }
    var queue = [];
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (collapsed(el)) {
        return; // drawn when its section opens
      }
      if (selfcheck || (el && inView(el))) {
        draw(spec); // what the reader sees first
      } else {
        queue.push(spec);
      }
    });
    // Charts scrolled to are drawn at once; the rest follow a few at a time.
    if (typeof IntersectionObserver !== "undefined") {
      var byId = {};
      each(queue, function (s) { byId[s.id] = s; });
      var io = new IntersectionObserver(function (entries) {
        each(entries, function (en) {
          var s = byId[en.target.id];
          if (en.isIntersecting && s && !drawn[s.id]) {
            draw(s);
          }
          if (en.isIntersecting) {
            io.unobserve(en.target);
          }
        });
      }, { rootMargin: "400px 0px" });
      each(queue, function (s) {
        var el = document.getElementById(s.id);
        if (el) {
          io.observe(el);
        }
      });
    }
    function pump() {
      var start = Date.now();
      while (queue.length && Date.now() - start < 30) {
        var s = queue.shift();
        if (!drawn[s.id]) {
          draw(s);
        }
      }
      if (queue.length) {
        setTimeout(pump, 0);
      } else {
        finish();
      }
    }
    setTimeout(pump, 0);
  }

  function redrawAll(renderer) {
    each(specs, function (spec) {
      if (drawn[spec.id] || printing) {
        draw(spec, renderer);
      }
    });
  }

  // blankCheck finds the charts whose canvas holds almost nothing: a chart
  // that failed silently.
  function blankCheck() {
    var blank = [];
    var rects = [];
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      var canvas = el && el.querySelector("canvas");
      if (!canvas || !canvas.width || !canvas.height) {
        blank.push(spec.id);
        return;
      }
      var ctx = canvas.getContext("2d");
      var data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      var painted = 0;
      var step = 4 * 3; // every third pixel is plenty
      for (var i = 3; i < data.length; i += step) {
        if (data[i] > 0) {
          painted++;
        }
      }
      if (painted < (data.length / step) * 0.002) {
        blank.push(spec.id);
      }
      var r = el.getBoundingClientRect();
      rects.push({ id: spec.id, x: Math.round(r.left + window.pageXOffset), y: Math.round(r.top + window.pageYOffset), w: Math.round(r.width), h: Math.round(r.height) });
    });
    body.setAttribute("data-charts-blank", JSON.stringify(blank));
    body.setAttribute("data-chart-rects", JSON.stringify(rects));
  }

  function mark() {
    var n = 0;
    var folded = 0;
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (drawn[spec.id] && el && el.querySelector("canvas, svg")) {
        n++;
      } else if (collapsed(el)) {
        folded++;
      }
    });
    body.setAttribute("data-charts-expected", String(specs.length));
    body.setAttribute("data-charts-drawn", String(n));
    body.setAttribute("data-charts-collapsed", String(folded));
    body.setAttribute("data-js-errors", JSON.stringify(errors));
    if (typeof echarts !== "undefined") {
      body.setAttribute("data-echarts-version", echarts.version);
    }
    body.setAttribute("data-draw-ms", String(drawMs));
    body.setAttribute("data-longest-draw-ms", String(longestMs));
    body.setAttribute("data-longest-draw-id", longestId);
    if (window.performance && performance.now) {
      body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    }
  }

  // --- self-check of what a reader does: hover, sort, read the legend ---

  // legendCheck finds legend entries whose series do not all share one
  // colour (the swatch is the first series' colour), and line series whose
  // line is not the colour of their points.
  function legendCheck() {
    var bad = [];
    each(specs, function (spec) {
      var chart = charts[spec.id];
      if (!chart || !chart.getModel) {
        return;
      }
      var model = chart.getModel();
      var byName = {};
      model.eachSeries(function (s) {
        var data = s.getData();
        var st = data.getVisual("style") || {};
        var colour = st[data.getVisual("drawType")] || st.fill || st.stroke; // what the legend swatch shows
        var line = s.get(["lineStyle", "color"]);
        var item = s.get(["itemStyle", "color"]);
        if (s.type === "series.line" && line && item && line !== item) {
          bad.push(spec.id + ": " + s.name + " line " + line + ", points " + item);
        }
        if (typeof colour !== "string") {
          return; // gradients and callbacks: nothing to compare
        }
        if (byName[s.name] && byName[s.name] !== colour) {
          bad.push(spec.id + ": legend " + s.name + " is " + byName[s.name] + ", a series of it " + colour);
        }
        byName[s.name] = byName[s.name] || colour;
      });
    });
    return bad;
  }

  // sortCheck clicks the first header of every table and checks the rows
  // come out in order of that column.
  function sortCheck() {
    var errs = [];
    var n = 0;
    each(document.querySelectorAll("table.data"), function (t) {
      var th = t.tHead && t.tHead.rows[0] && t.tHead.rows[0].cells[0];
      if (!th || t.tBodies[0].rows.length < 2) {
        return;
      }
      th.click();
      var keys = [];
      each(t.tBodies[0].rows, function (tr) {
        var td = tr.cells[0];
        keys.push(td && td.firstChild ? textKey(td.firstChild.textContent) : null);
      });
      var dir = th.getAttribute("aria-sort") === "descending" ? -1 : 1;
      if (th.getAttribute("aria-sort") === "none") {
        errs.push((t.id || t.className) + ": header not marked sorted");
      }
      for (var i = 1; i < keys.length; i++) {
        // Missing values sort last either way.
        var c = keys[i - 1] === null || keys[i] === null ? compareKeys(keys[i - 1], keys[i]) : dir * compareKeys(keys[i - 1], keys[i]);
        if (c > 0) {
          errs.push((t.id || t.className) + ": row " + (i + 1) + " (" + keys[i] + ") after " + keys[i - 1]);
          break;
        }
      }
      n++;
    });
    body.setAttribute("data-sort-checked", String(n));
    return errs;
  }

  // tipCheck asks every chart for the tooltip of one of its first points
  // and then looks for it, with text, in the chart.
  function tipCheck(done) {
    var asked = [];
    each(specs, function (spec) {
      var chart = charts[spec.id];
      if (!chart) {
        return;
      }
      var n = (chart.getOption().series || []).length;
      for (var si = 0; si < Math.min(n, 3); si++) {
        for (var di = 0; di < 3; di++) {
          chart.dispatchAction({ type: "showTip", seriesIndex: si, dataIndex: di });
          var tip = document.getElementById(spec.id).querySelector(".chart-tip");
          if (tip && tip.textContent && tip.style.display !== "none") {
            chart.dispatchAction({ type: "hideTip" });
            return;
          }
        }
      }
      asked.push(spec.id);
    });
    setTimeout(function () {
      var missing = [];
      each(asked, function (id) {
        var tip = document.getElementById(id).querySelector(".chart-tip");
        if (!tip || !tip.textContent) {
          missing.push(id);
        }
      });
      done(missing);
    }, 100);
  }

  function interactionCheck(done) {
    try {
      body.setAttribute("data-legend-mismatch", JSON.stringify(legendCheck()));
      body.setAttribute("data-sort-errors", JSON.stringify(sortCheck()));
    } catch (e) {
      errors.push("self-check: " + e.message);
    }
    tipCheck(function (missing) {
      body.setAttribute("data-tip-missing", JSON.stringify(missing));
      done();
    });
  }

  function finish() {
    if (finished) {
      return;
    }
    finished = true;
    // ECharts paints on the next frame; look after it has.
    setTimeout(function () {
      function ready() {
        mark();
        body.setAttribute("data-report-ready", "1");
        // Errors after this point still reach the marker.
        window.addEventListener("error", function () { setTimeout(mark, 0); });
      }
      if (selfcheck && typeof echarts !== "undefined") {
        try {
          blankCheck();
        } catch (e) {
          errors.push("blank check: " + e.message);
        }
        interactionCheck(ready);
        return;
      }
      ready();
    }, selfcheck ? 250 : 0);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (printing) {
      return;
    }
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      for (var id in charts) {
        if (charts.hasOwnProperty(id)) {
          charts[id].resize();
        }
      }
    }, 100);
  });

  // --- tables ---

  function cellEl(c, cls) {
    var td = document.createElement("td");
    if (cls) {
      td.className = cls;
    }
    if (c.b) {
      var badge = document.createElement("span");
      badge.className = c.b;
      badge.textContent = c.t;
      td.appendChild(badge);
    } else {
      td.appendChild(document.createTextNode(c.t));
    }
    if (c.h) {
      td.title = c.h;
    }
    if (c.s) {
      var sub = document.createElement("div");
      sub.className = "sub";
      sub.textContent = c.s;
      td.appendChild(sub);
    }
    if (c.r) {
      var reason = document.createElement("div");
      reason.className = "reason";
      reason.textContent = c.r;
      td.appendChild(reason);
    }
    return td;
  }

  var PAGE_SIZES = [25, 50, 100, 250, 0]; // 0: all

  // --- sorting: a click on a column header sorts by it, again reverses ---

  // textKey makes a sort key of a cell's text: its leading number when it
  // has one ("37%", "1.034×", "±2.1%", "<0.001"), else the text; a dash or
  // nothing sorts last.
  function textKey(t) {
    t = (t || "").trim();
    if (!t || t === "\u2014") {
      return null;
    }
    var m = /^[<>±~+]?\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/i.exec(t);
    return m ? parseFloat(m[1]) : t.toLowerCase();
  }

  function cellKey(c) {
    if (!c) {
      return null;
    }
    return typeof c.k === "number" ? c.k : textKey(c.t);
  }

  function compareKeys(a, b) {
    if (a === b) {
      return 0;
    }
    if (a === null) {
      return 1;
    }
    if (b === null) {
      return -1;
    }
    if (typeof a === typeof b) {
      return a < b ? -1 : 1;
    }
    return typeof a === "number" ? -1 : 1; // numbers before words
  }

  // sortRows sorts a copy, stable, with missing values last either way.
  function sortRows(list, key, dir) {
    var keyed = list.map(function (r, i) { return { r: r, k: key(r), i: i }; });
    keyed.sort(function (x, y) {
      if (x.k === null || y.k === null) {
        return compareKeys(x.k, y.k) || x.i - y.i;
      }
      return dir * compareKeys(x.k, y.k) || x.i - y.i;
    });
    return keyed.map(function (x) { return x.r; });
  }

  // sortable makes a table's header cells sort buttons; onSort(column,
  // direction) reorders the rows (1 ascending, -1 descending).
  function sortable(table, onSort) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) {
      return;
    }
    var state = { col: -1, dir: 1 };
    each(head.cells, function (th, col) {
      th.className += " sort";
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.title = "Sort by this column";
      function go() {
        // Numbers read best largest first on a first click; names A to Z.
        var dir = state.col === col ? -state.dir : (th.className.indexOf("num") >= 0 ? -1 : 1);
        state = { col: col, dir: dir };
        each(head.cells, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        onSort(col, dir);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          go();
        }
      });
    });
  }

  // A table written in the page (not paged) sorts its own rows; a cell's
  // data-k holds its value where the text alone would not sort right.
  function staticSortable(table) {
    sortable(table, function (col, dir) {
      var tbody = table.tBodies[0];
      var list = Array.prototype.slice.call(tbody.rows);
      list = sortRows(list, function (tr) {
        var td = tr.cells[col];
        if (!td) {
          return null;
        }
        var k = td.getAttribute("data-k");
        return k !== null && k !== "" && !isNaN(parseFloat(k)) ? parseFloat(k) : textKey(td.textContent);
      }, dir);
      each(list, function (tr) { tbody.appendChild(tr); });
    });
  }

  function pagedTable(table) {
    var rows = tables[table.getAttribute("data-rows")] || [];
    var id = table.id;
    var filter = document.querySelector('.table-filter[data-table="' + id + '"]');
    var count = document.querySelector('.table-count[data-table="' + id + '"]');
    var pager = document.querySelector('.pager[data-table="' + id + '"]');
    var classes = [];
    each(table.tHead.rows[0].cells, function (th, i) {
      classes.push(th.className.indexOf("num") >= 0 ? "num" : (i === 0 ? "name" : ""));
    });
    each(rows, function (r) {
      var q = [];
      each(r.d, function (c) { q.push(c.t, c.s || "", c.r || ""); });
      r.q = q.join(" ").toLowerCase();
    });
    var shown = rows;
    var page = 0;
    var size = rows.length > 200 ? 50 : 100;
    var query = "";

    function applyFilter() {
      shown = query ? rows.filter(function (r) { return r.q.indexOf(query) >= 0; }) : rows;
    }

    sortable(table, function (col, dir) {
      rows = sortRows(rows, function (r) { return cellKey(r.d[col]); }, dir);
      applyFilter();
      page = 0;
      render();
    });

    function fill(list) {
      var tbody = document.createElement("tbody");
      each(list, function (r) {
        var tr = document.createElement("tr");
        if (r.c) {
          tr.className = r.c;
        }
        each(r.d, function (c, i) { tr.appendChild(cellEl(c, classes[i])); });
        tbody.appendChild(tr);
      });
      if (!list.length) {
        var tr = document.createElement("tr");
        var td = document.createElement("td");
        td.colSpan = classes.length;
        td.className = "muted";
        td.textContent = rows.length ? "No row matches the filter." : "No rows.";
        tr.appendChild(td);
        tbody.appendChild(tr);
      }
      table.replaceChild(tbody, table.tBodies[0]);
    }

    function button(label, enabled, onclick) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.disabled = !enabled;
      b.onclick = onclick;
      return b;
    }

    function render() {
      var pages = size ? Math.max(1, Math.ceil(shown.length / size)) : 1;
      page = Math.min(page, pages - 1);
      fill(size ? shown.slice(page * size, (page + 1) * size) : shown);
      if (count) {
        count.textContent = shown.length === rows.length ? rows.length + " rows" : shown.length + " of " + rows.length + " rows";
      }
      if (!pager) {
        return;
      }
      pager.textContent = "";
      pager.appendChild(button("« Previous", page > 0, function () { page--; render(); }));
      var info = document.createElement("span");
      info.className = "muted";
      info.textContent = "Page " + (page + 1) + " of " + pages;
      pager.appendChild(info);
      pager.appendChild(button("Next »", page < pages - 1, function () { page++; render(); }));
      var sel = document.createElement("select");
      sel.setAttribute("aria-label", "Rows per page");
      each(PAGE_SIZES, function (n) {
        var o = document.createElement("option");
        o.value = String(n);
        o.textContent = n ? n + " per page" : "all rows";
        o.selected = n === size;
        sel.appendChild(o);
      });
      sel.onchange = function () { size = parseInt(sel.value, 10); page = 0; render(); };
      pager.appendChild(sel);
    }

    if (filter) {
      var t = null;
      filter.addEventListener("input", function () {
        clearTimeout(t);
        t = setTimeout(function () {
          query = filter.value.trim().toLowerCase();
          applyFilter();
          page = 0;
          render();
        }, 120);
      });
    }
    render();
    return { all: function () { fill(shown); }, page: render };
  }

  var paged = [];
  each(document.querySelectorAll("table.paged"), function (t) {
    try {
      paged.push(pagedTable(t));
    } catch (e) {
      errors.push("table " + t.id + ": " + e.message);
    }
  });
  each(document.querySelectorAll("table.data:not(.paged)"), function (t) {
    try {
      staticSortable(t);
    } catch (e) {
      errors.push("table " + (t.id || t.className) + ": " + e.message);
    }
  });

  // --- collapsed sections ---

  each(document.querySelectorAll("details"), function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) {
        drawIn(d);
      }
    });
  });

  // A link to a chart or section inside a closed <details> opens it.
  function openTarget() {
    var id = location.hash.slice(1);
    var el = id && /^[\w-]+$/.test(id) ? document.getElementById(id) : null;
    for (var d = collapsed(el) || (el && el.tagName === "DETAILS" && !el.open ? el : null); d; d = collapsed(d)) {
      d.open = true;
    }
    if (el) {
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);

  var expand = document.getElementById("expand-all");
  if (expand) {
    expand.addEventListener("click", function () {
      var open = expand.getAttribute("data-open") !== "1";
      each(document.querySelectorAll("details.op"), function (d) { d.open = open; });
      expand.setAttribute("data-open", open ? "1" : "0");
      expand.textContent = open ? "Collapse all" : "Expand all";
    });
  }
  if (selfcheck) {
    // The self-check draws and checks every chart.
    each(document.querySelectorAll("details"), function (d) { d.open = true; });
  } else if (location.hash) {
    openTarget();
  }

  // --- theme and print ---

  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      root.setAttribute("data-theme", isDark() ? "light" : "dark");
      if (typeof echarts !== "undefined") {
        redrawAll();
      }
    });
  }

  // Print: every table row, and every chart in light colours as SVG (sharp
  // on paper), sized for the page; back to the screen afterwards.
  window.addEventListener("beforeprint", function () {
    printing = true;
    each(paged, function (p) { p.all(); });
    each(document.querySelectorAll("details.op"), function (d) { d.open = true; }); // paper has no clicks
    if (typeof echarts === "undefined") {
      return;
    }
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (el) {
        el.style.width = PRINT_WIDTH + "px";
      }
    });
    redrawAll("svg");
  });
  window.addEventListener("afterprint", function () {
    printing = false;
    each(paged, function (p) { p.page(); });
    if (typeof echarts === "undefined") {
      return;
    }
    each(specs, function (spec) {
      var el = document.getElementById(spec.id);
      if (el) {
        el.style.width = "";
      }
    });
    redrawAll();
  });

  drawAll();
})();
