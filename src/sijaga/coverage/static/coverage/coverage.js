/* Coverage pages: the choropleth (click a region to drill down), the trend and the category chart (ECharts, served
   from our static files; every chart saves as PNG from its toolbox). Data comes from the page's json_script. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var node = document.getElementById("coverage-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var L = data.labels;
    var toolbox = { feature: { saveAsImage: { title: L.save, name: "sijaga-cakupan" } } };
    var charts = [];

    var mapNode = document.getElementById("coverage-map");
    if (mapNode && data.mapUrl) {
      var chart = echarts.init(mapNode);
      charts.push(chart);
      chart.showLoading();
      fetch(data.mapUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        chart.hideLoading();
        var mapName = "sijaga-" + data.mapUrl;
        echarts.registerMap(mapName, geo);
        var values = data.rows.map(function (r) {
          return { name: r.code, value: r.value, label: r.name, registered: r.registered, active: r.active };
        });
        chart.setOption({
          toolbox: toolbox,
          tooltip: {
            trigger: "item",
            formatter: function (p) {
              var d = p.data || {};
              var pct = d.value === null || d.value === undefined ? L.noTarget : d.value + " %";
              return (d.label || p.name) + "<br>" + L.active + ": " + (d.active ?? "—") + "<br>" + L.percent + ": " + pct;
            }
          },
          visualMap: {
            type: "piecewise", left: "left", bottom: 10,
            pieces: [
              { lt: 25, label: "< 25 %", color: "#fde0dd" }, { gte: 25, lt: 50, label: "25–50 %", color: "#fa9fb5" },
              { gte: 50, lt: 75, label: "50–75 %", color: "#c51b8a" }, { gte: 75, lte: 100, label: "75–100 %", color: "#7a0177" },
              { gt: 100, label: "> 100 %", color: "#f59e0b" }
            ],
            outOfRange: { color: "#d1d5db" }
          },
          series: [{
            type: "map", map: mapName, roam: true, nameProperty: "name",
            itemStyle: { borderColor: "#fff", borderWidth: 0.5, areaColor: "#d1d5db" },
            emphasis: { label: { show: false }, itemStyle: { areaColor: "#38bdf8" } },
            data: values
          }]
        });
        node.dataset.mapReady = "1";
        mapNode.dataset.ready = "1";
        if (data.drillUrl) {
          chart.on("click", function (p) {
            if (p && p.name) window.location.href = data.drillUrl.replace("CODE", encodeURIComponent(p.name));
          });
        }
      });
    }

    var trendNode = document.getElementById("coverage-trend");
    if (trendNode) {
      var t = echarts.init(trendNode);
      charts.push(t);
      t.setOption({
        toolbox: toolbox, tooltip: { trigger: "axis" }, legend: { data: [L.registered, L.active] },
        xAxis: { type: "category", data: data.trend.map(function (p) { return p.month; }) },
        yAxis: { type: "value" },
        series: [
          { name: L.registered, type: "line", data: data.trend.map(function (p) { return p.registered; }) },
          { name: L.active, type: "line", data: data.trend.map(function (p) { return p.active; }) }
        ]
      });
    }

    var catNode = document.getElementById("coverage-categories");
    if (catNode && data.categories.length) {
      var c = echarts.init(catNode);
      charts.push(c);
      c.setOption({
        toolbox: toolbox, tooltip: { trigger: "axis" }, legend: { data: [L.active, L.target] },
        xAxis: { type: "category", data: data.categories.map(function (x) { return x.name; }) },
        yAxis: { type: "value" },
        series: [
          { name: L.active, type: "bar", data: data.categories.map(function (x) { return x.active; }) },
          { name: L.target, type: "bar", data: data.categories.map(function (x) { return x.target; }) }
        ]
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (x) { x.resize(); }); });
  });
})();
