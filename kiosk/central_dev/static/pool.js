/* The data pool's plots (kiosk/central_dev/pool_pages.py builds the specs): one ECharts
   chart per element named in the page's JSON block. Canvas renderer, no animation, and
   tooltips drawn on the canvas ("richText") - an HTML tooltip would carry inline styles
   the page's Content-Security-Policy refuses. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pool-data").textContent);
  var drawn = 0;
  data.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el) { return; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    var category = {type: "category", data: c.x, inverse: !!c.horizontal,
                    axisLabel: {interval: 0, rotate: (!c.horizontal && c.x.length > 6) ? 30 : 0}};
    var value = {type: "value", name: c.unit || "", minInterval: 1};
    chart.setOption({
      animation: false,
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {type: "scroll", top: 0},
      grid: {left: 8, right: 24, top: 40, bottom: 8, containLabel: true},
      xAxis: c.horizontal ? value : category,
      yAxis: c.horizontal ? category : value,
      series: c.series.map(function (s) {
        return {name: s.name, type: c.type || "bar", stack: c.stack ? "all" : undefined, data: s.data};
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    drawn += 1;
  });
  document.body.setAttribute("data-charts-drawn", String(drawn));
})();
