/* Vector tiles in the citizen map: the points drawn by MapLibre GL from the OGC API tiles.
 *
 * Why: the Leaflet map asks per view and product for JSON (clusters or points) and draws a DOM
 * marker per point; the vector tiles are small, cached by URL until the next publication, and
 * drawn on the GPU. Used only when the browser has WebGL and the server serves the tiles
 * (config.vectorStijl); otherwise, or when MapLibre or the style cannot be loaded, the map is
 * today's Leaflet map, unchanged. Leaflet stays the map either way (pan, zoom, search, popups,
 * list): MapLibre draws inside it as a layer (@maplibre/maplibre-gl-leaflet).
 *
 * viewer.js calls window.VlokVector.attach(map, {reload}) once; it answers null (Leaflet
 * only) or an object whose `active` says whether the tiles draw the points now.
 * MapLibre (1 MB) is loaded only when it will be used. The CSP build's worker is our own file,
 * so the page's Content-Security-Policy stays 'self'.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);
  var VENDOR = "/static/vendor/";
  var LAYERS = ["vlok-clusters", "vlok-points"];

  function hasWebGL() {
    try {
      var canvas = document.createElement("canvas");
      return !!(window.WebGLRenderingContext && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
    } catch (e) {
      return false;
    }
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { node[k] = attrs[k]; });
      node.onload = resolve;
      node.onerror = function () { reject(new Error("cannot load " + (attrs.src || attrs.href))); };
      document.head.appendChild(node);
    });
  }

  function activeProducts() {
    return Array.prototype.filter.call(document.querySelectorAll("#legende input[type=checkbox]"),
      function (b) { return b.checked; }).map(function (b) { return b.dataset.product; });
  }

  /* A tile feature as adrespunt.js reads a /api/v1/kaart feature (the popup is the same). */
  function asFeature(f) {
    return { id: f.properties.POID, geometry: { coordinates: [f.geometry.coordinates[0], f.geometry.coordinates[1]] },
      properties: { PRODUCT: f.properties.PRODUCT, adres: f.properties.adres } };
  }

  function attach(map, hooks) {
    var wanted = config.vectorStijl && hasWebGL() && !/[?&]kaart=leaflet\b/.test(window.location.search);
    if (!wanted) {
      document.body.dataset.kaartsoort = "leaflet";
      return null;
    }
    var A = window.VlokAdrespunt;
    var vector = { active: true, started: window.performance.now(), firstMarkers: null, map: map };
    window.VlokVector.current = vector;
    var panes = [map.getPane("markerPane"), map.getPane("shadowPane")];
    function leafletMarkers(on) { panes.forEach(function (p) { p.style.display = on ? "" : "none"; }); }
    leafletMarkers(false);
    document.body.dataset.kaartsoort = "vector";

    function fallBack(err) {
      if (!vector.active) { return; }
      vector.active = false;
      vector.error = String(err);
      if (vector.layer) { map.removeLayer(vector.layer); }
      leafletMarkers(true);
      document.body.dataset.kaartsoort = "leaflet";
      if (hooks && hooks.reload) { hooks.reload(); }
    }

    /* Above the municipality outlines (overlay pane, 400), below markers and popups. */
    var pane = map.createPane("vectortegels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";

    /* The style, the stylesheet and the library at once; the Leaflet layer needs the library. */
    var styled = fetch(config.vectorStijl).then(function (r) {
      if (!r.ok) { throw new Error(config.vectorStijl + ": " + r.status); }
      return r.json();
    });
    Promise.all([styled, load("link", { rel: "stylesheet", href: VENDOR + "maplibre-gl/maplibre-gl.css" }),
      load("script", { src: VENDOR + "maplibre-gl/maplibre-gl-csp.js" })
        .then(function () { return load("script", { src: VENDOR + "@maplibre/maplibre-gl-leaflet/leaflet-maplibre-gl.js" }); })])
      .then(function (loaded) {
        var style = loaded[0];
        window.maplibregl.setWorkerUrl(VENDOR + "maplibre-gl/maplibre-gl-csp-worker.js");
        var layer = window.L.maplibreGL({ style: style, pane: "vectortegels", interactive: false,
          attributionControl: false }).addTo(map);
        vector.layer = layer;
        var gl = layer.getMaplibreMap();
        vector.gl = gl;
        var base = {};
        style.layers.forEach(function (l) { base[l.id] = l.filter; });
        function filter() {
          var shown = ["in", ["get", "PRODUCT"], ["literal", activeProducts()]];
          LAYERS.forEach(function (id) { gl.setFilter(id, ["all", base[id], shown]); });
        }
        gl.on("load", filter);
        document.querySelectorAll("#legende input[type=checkbox]").forEach(function (box) {
          box.addEventListener("change", function () { if (gl.isStyleLoaded()) { filter(); } });
        });
        gl.on("error", function (e) {
          if (vector.firstMarkers === null) { fallBack(e && e.error ? e.error.message : e); }
        });
        /* The first frame with markers on screen: what the benchmark and the tests wait for. */
        function drawn() {
          if (!gl.getLayer(LAYERS[1]) || !gl.queryRenderedFeatures({ layers: LAYERS }).length) { return; }
          vector.firstMarkers = window.performance.now();
          document.body.dataset.vectorGetekend = "ja";
          gl.off("render", drawn);
        }
        gl.on("render", drawn);
        map.on("click", function (e) { if (vector.active) { open(gl, e.latlng); } });
      })
      .catch(fallBack);

    /* A click near a cluster zooms in; near points, the popup of the address point. */
    function open(gl, latlng) {
      var p = gl.project([latlng.lng, latlng.lat]);
      var found = gl.queryRenderedFeatures([[p.x - 10, p.y - 10], [p.x + 10, p.y + 10]], { layers: LAYERS });
      if (!found.length) { return; }
      var points = found.filter(function (f) { return f.properties.POID; });
      if (!points.length) {
        map.setView(latlng, Math.min(18, map.getZoom() + 2));
        return;
      }
      var seen = {};
      var facts = [];
      points.forEach(function (f) {
        if (!seen[f.properties.POID]) { seen[f.properties.POID] = true; facts.push(A.fact(asFeature(f))); }
      });
      var grouped = A.group(facts);
      var dist = function (q) { return Math.pow(q.lon - latlng.lng, 2) + Math.pow(q.lat - latlng.lat, 2); };
      grouped.sort(function (a, b) { return dist(a) - dist(b); });
      var point = grouped[0];
      window.L.popup({ maxWidth: Math.max(220, Math.min(360, window.innerWidth - 110)) })
        .setLatLng([point.lat, point.lon]).setContent(A.element(point)).openOn(map);
    }

    return vector;
  }

  window.VlokVector = { attach: attach };
})();
