/* Orientation without a basemap: municipality names zoomed out, street axes and their names in
 * a city view. Both come from this server (/api/v1/orientatie/plaatsen and /api/v1/orientatie/straten),
 * built at publish time from the public address register: no external tiles. A configured
 * basemap replaces all of it (viewer.js then never calls this). The labels are decoration for
 * sighted readers (aria-hidden): the search and the list say the same in words. */
(function () {
  "use strict";

  /* Zoom levels: municipality names below TOWNS_UNTIL, streets from STREETS_FROM on. */
  var TOWNS_UNTIL = 14;
  var STREETS_FROM = 15;

  function label(className, text, angle) {
    var span = document.createElement("span");
    span.className = className;
    span.setAttribute("aria-hidden", "true");
    span.textContent = text;
    if (angle) { span.style.transform = "translate(-50%, -50%) rotate(" + angle.toFixed(1) + "deg)"; }
    return L.divIcon({ className: "orientatie", html: span.outerHTML, iconSize: null });
  }

  function mute(marker) {
    marker.on("add", function () {
      var node = marker.getElement();
      if (node) { node.setAttribute("aria-hidden", "true"); node.removeAttribute("tabindex"); }
    });
    return marker;
  }

  window.VlokOrientatie = function (map) {
    /* Above the outlines, below the facts' markers and popups. */
    map.createPane("orientatie").style.zIndex = 450;
    var towns = L.layerGroup().addTo(map);
    var streets = L.layerGroup().addTo(map);
    var places = null;
    var asked = 0;

    function showTowns() {
      towns.clearLayers();
      var z = map.getZoom();
      if (!places || z >= TOWNS_UNTIL) { return; }
      var bounds = map.getBounds().pad(0.1);
      /* Fewer names when zoomed out: the largest municipalities first. */
      var max = z < 8.5 ? 45 : z < 10 ? 140 : 400;
      places.features.slice(0, max).forEach(function (f) {
        var ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
        if (bounds.contains(ll)) {
          towns.addLayer(mute(L.marker(ll, { icon: label("plaatsnaam", f.properties.naam),
            interactive: false, keyboard: false, pane: "orientatie" })));
        }
      });
    }

    function showStreets() {
      var mine = ++asked;
      if (map.getZoom() < STREETS_FROM) { streets.clearLayers(); return; }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
      fetch("/api/v1/orientatie/straten?bbox=" + bbox).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (mine !== asked || !data) { return; }
          streets.clearLayers();
          data.features.forEach(function (f) {
            var c = f.geometry.coordinates;
            var a = L.latLng(c[0][1], c[0][0]);
            var z = L.latLng(c[1][1], c[1][0]);
            streets.addLayer(L.polyline([a, z], { interactive: false, className: "straatlijn",
              color: "#8a949e", weight: 5, opacity: 0.55, pane: "orientatie" }));
            var p = map.latLngToLayerPoint(a);
            var q = map.latLngToLayerPoint(z);
            var angle = Math.atan2(q.y - p.y, q.x - p.x) * 180 / Math.PI;
            if (angle > 90) { angle -= 180; } else if (angle < -90) { angle += 180; }
            var mid = L.latLng((a.lat + z.lat) / 2, (a.lng + z.lng) / 2);
            streets.addLayer(mute(L.marker(mid, { icon: label("straatnaam", f.properties.naam, angle),
              interactive: false, keyboard: false, pane: "orientatie" })));
          });
        }).catch(function () { /* decoration: the facts still show */ });
    }

    fetch("/api/v1/orientatie/plaatsen").then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { places = data; showTowns(); })
      .catch(function () { /* decoration */ });
    map.on("moveend", function () { showTowns(); showStreets(); });
    showStreets();
  };
})();
