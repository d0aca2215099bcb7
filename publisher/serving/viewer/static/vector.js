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
  /* The tiles' points regrouped per address point, as the Leaflet map shows them (below). */
  var ADDRESSES = "vlok-adrespunten";
  var DRAWN = LAYERS.concat([ADDRESSES]);

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

  /* ---- symbols: the Leaflet markers' letters, counts and shapes, drawn on a canvas ----
   * MapLibre writes text only with a glyph server, and this page loads nothing from outside;
   * so each symbol is an image made here, named after what it shows ("vlok-C-12": the letter
   * of the product and the cluster's count; "vlok-I": a point), asked for by MapLibre through
   * `styleimagemissing` the first time a tile needs it, then kept in the style. Shapes and
   * colours are viewer.css's (.groep, .punt), so both maps read alike, and the letters tell
   * the products apart without colour (WCAG 1.4.1). Counts from 100 on are rounded down
   * ("300+", "2k+"), so a view needs a few dozen images, not one per count. */
  var PREFIX = "vlok-";
  var byLetter = {};
  Object.keys(config.producten).forEach(function (p) { byLetter[config.producten[p].letter] = config.producten[p]; });

  /* MapLibre expressions that build the image names from a tile feature's properties. */
  function letterOf() {
    var m = ["match", ["get", "PRODUCT"]];
    Object.keys(config.producten).forEach(function (p) { m.push(p, config.producten[p].letter); });
    m.push("");
    return m;
  }
  function countLabel() {
    var n = ["get", "count"];
    var floor = function (step) { return ["to-string", ["*", ["floor", ["/", n, step]], step]]; };
    return ["case", ["<", n, 100], ["to-string", n],
      ["<", n, 1000], ["concat", floor(100), "+"],
      ["<", n, 10000], ["concat", ["to-string", ["floor", ["/", n, 1000]]], "k+"],
      ["concat", ["to-string", ["*", ["floor", ["/", n, 10000]], 10]], "k+"]];
  }

  /* The style's circles (kept for QGIS and other readers) become our symbols, same ids. */
  function withSymbols(style) {
    var only = { "vlok-points": ["!", ["has", "POID"]] };
    var icons = { "vlok-clusters": ["concat", PREFIX, letterOf(), "-", countLabel()],
      "vlok-points": ["concat", PREFIX, letterOf()] };
    style.layers = style.layers.map(function (l) {
      if (!icons[l.id]) { return l; }
      return { id: l.id, type: "symbol", source: l.source, "source-layer": l["source-layer"],
        filter: only[l.id] ? ["all", l.filter, only[l.id]] : l.filter,
        layout: { "icon-image": icons[l.id], "icon-allow-overlap": true, "icon-ignore-placement": true } };
    });
    return style;
  }

  var css = window.getComputedStyle(document.documentElement);
  function colour(code) { return css.getPropertyValue("--" + code).trim() || "#263238"; }

  /* A box with per-corner radii (tl, tr, br, bl), as CSS border-radius draws it. */
  function box(ctx, x, y, w, h, r) {
    var m = Math.min(w, h) / 2;
    r = r.map(function (v) { return Math.min(v, m); });
    ctx.beginPath();
    ctx.moveTo(x + r[0], y);
    ctx.arcTo(x + w, y, x + w, y + h, r[1]);
    ctx.arcTo(x + w, y + h, x, y + h, r[2]);
    ctx.arcTo(x, y + h, x, y, r[3]);
    ctx.arcTo(x, y, x + w, y, r[0]);
    ctx.closePath();
  }

  /* viewer.js's clusterSize, on the count a label stands for ("300+" → 300, "2k+" → 2000). */
  function clusterSize(label) {
    var n = parseInt(label, 10) * (/k/.test(label) ? 1000 : 1);
    return n < 10 ? 36 : n < 100 ? 42 : n < 1000 ? 50 : 58;
  }

  /* The image of one name, or null for names that are not ours. */
  function symbol(name) {
    var m = /^vlok-(punt-)?([A-Z]+)(?:-(\d+k?\+?))?$/.exec(name);
    if (!m) { return null; }
    if (m[1]) { return pointWithBadge(m[2], m[3]); }
    var letters = m[2];
    var count = m[3];
    var t = letters.length === 1 ? byLetter[letters] : null;
    var code = t ? t.code : "gemengd";
    var big = count ? 8 : 3;
    var half = 999;
    var radii = { ca: [half, half, half, half], vivoo: [big, big, big, big], hv: [big, half, big, half],
      gemengd: count ? [half, half, half, half] : [6, 6, 6, 6] }[code] || [half, half, half, half];
    var w = count ? clusterSize(count) : 18 + 9 * letters.length;
    var h = count ? w : 28;
    var border = count ? 3 : 2;
    var ratio = Math.min(2, Math.ceil(window.devicePixelRatio || 1));
    var canvas = document.createElement("canvas");
    canvas.width = (w + 2) * ratio;
    canvas.height = (h + 2) * ratio;
    var ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    var scaled = function (d) { return radii.map(function (v) { return Math.max(0, v - d); }); };
    box(ctx, 0, 0, w + 2, h + 2, radii); ctx.fillStyle = "rgba(0,0,0,.6)"; ctx.fill();  /* the 1 px ring */
    box(ctx, 1, 1, w, h, radii); ctx.fillStyle = "#fff"; ctx.fill();
    box(ctx, 1 + border, 1 + border, w - 2 * border, h - 2 * border, scaled(border));
    ctx.fillStyle = colour(code); ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    var cx = 1 + w / 2;
    var cy = 1 + h / 2;
    if (count) {
      ctx.font = "700 13px system-ui, sans-serif";
      ctx.fillText(count, cx, cy - 5);
      ctx.font = "700 10px system-ui, sans-serif";
      if ("letterSpacing" in ctx) { ctx.letterSpacing = "1px"; }
      ctx.fillText(letters, cx, cy + 7);
    } else {
      ctx.font = "700 13px system-ui, sans-serif";
      if ("letterSpacing" in ctx) { ctx.letterSpacing = "0.5px"; }
      ctx.fillText(letters, cx, cy + 1);
    }
    return { image: ctx.getImageData(0, 0, canvas.width, canvas.height), ratio: ratio };
  }

  /* An address point with several facts: its letters and a count badge at the top right
   * (viewer.css .punt .badge); the canvas is padded alike on every side so the icon's centre
   * stays on the point. */
  function pointWithBadge(letters, count) {
    var plain = symbol(PREFIX + letters);
    var pad = 9;
    var ratio = plain.ratio;
    var pw = plain.image.width / ratio;
    var ph = plain.image.height / ratio;
    var canvas = document.createElement("canvas");
    canvas.width = (pw + 2 * pad) * ratio;
    canvas.height = (ph + 2 * pad) * ratio;
    var ctx = canvas.getContext("2d");
    ctx.putImageData(plain.image, pad * ratio, pad * ratio);
    ctx.scale(ratio, ratio);
    ctx.font = "700 11px system-ui, sans-serif";
    var bw = Math.max(18, ctx.measureText(count).width + 8);
    var bx = pad + pw - 1 - bw / 2 + 9 - bw / 2;
    var by = pad + 1 - 9;
    box(ctx, bx, by, bw, 18, [9, 9, 9, 9]);
    ctx.fillStyle = "#fff"; ctx.fill();
    ctx.lineWidth = 1.5; ctx.strokeStyle = colour("tekst"); ctx.stroke();
    ctx.fillStyle = colour("tekst");
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(count, bx + bw / 2, by + 9.5);
    return { image: ctx.getImageData(0, 0, canvas.width, canvas.height), ratio: ratio };
  }

  /* The image name of an address point: its letters, and its number of facts when several. */
  function addressIcon(point) {
    var n = point.facts.length;
    var letters = window.VlokAdrespunt.letters(point.facts);
    return PREFIX + (n > 1 ? "punt-" + letters + "-" + (n < 100 ? n : "99+") : letters);
  }

  var made = {};
  function addSymbol(gl, name) {
    if (gl.hasImage(name)) { return; }
    if (!(name in made)) { made[name] = symbol(name); }
    if (made[name]) { gl.addImage(name, made[name].image, { pixelRatio: made[name].ratio }); }
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

  /* The drawn symbols are pixels, not elements: no Tab stop per point as on the Leaflet map.
   * The map itself is one (tabindex 0): it says so, and Enter on it opens the list of what is
   * in view, where each address is a heading with a "Toon op de kaart" button. */
  function keyboardPath(map, vector) {
    var container = map.getContainer();
    var hint = document.createElement("p");
    hint.id = "kaart-toetsen";
    hint.className = "sr-only";
    hint.textContent = "De punten op deze kaart zijn niet apart met het toetsenbord te kiezen. " +
      "Druk op Enter voor de lijst van wat in het kaartbeeld staat.";
    container.parentNode.insertBefore(hint, container);
    container.setAttribute("aria-describedby", hint.id);
    function onKey(e) {
      if (e.key !== "Enter" || e.target !== container || !vector.active) { return; }
      e.preventDefault();
      document.getElementById("toon-lijst").click();
    }
    container.addEventListener("keydown", onKey);
    return function () {
      container.removeEventListener("keydown", onKey);
      container.removeAttribute("aria-describedby");
      hint.remove();
    };
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
    var unkey = keyboardPath(map, vector);

    function fallBack(err) {
      if (!vector.active) { return; }
      vector.active = false;
      vector.error = String(err);
      unkey();
      if (vector.layer) { map.removeLayer(vector.layer); }
      leafletMarkers(true);
      document.body.dataset.kaartsoort = "leaflet";
      if (hooks && hooks.reload) { hooks.reload(); }
    }

    /* Above the municipality outlines (overlay pane, 400) and the place and street names
     * (orientation.js, 450), as the Leaflet markers are; below markers and popups. */
    var pane = map.createPane("vectortegels");
    pane.style.zIndex = 460;
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
        var style = withSymbols(loaded[0]);
        window.maplibregl.setWorkerUrl(VENDOR + "maplibre-gl/maplibre-gl-csp-worker.js");
        var layer = window.L.maplibreGL({ style: style, pane: "vectortegels", interactive: false,
          attributionControl: false }).addTo(map);
        vector.layer = layer;
        var gl = layer.getMaplibreMap();
        vector.gl = gl;
        vector.symbols = made;
        gl.on("styleimagemissing", function (e) { addSymbol(gl, e.id); });
        var base = {};
        style.layers.forEach(function (l) { base[l.id] = l.filter; });
        function filter() {
          var shown = ["in", ["get", "PRODUCT"], ["literal", activeProducts()]];
          LAYERS.forEach(function (id) { gl.setFilter(id, ["all", base[id], shown]); });
          regroup(true);
        }
        /* The tiles hold a feature per fact; several facts at one address point (the units of a
         * building, its claim) would lie on one pixel and hide each other. So the points of the
         * tiles on screen are grouped per address point here, as the Leaflet map does (A.group),
         * into one symbol with all their letters and a count badge, redrawn when tiles arrive or
         * the view or the layers change, and only when the points differ. */
        var sourceLayer = style.layers.filter(function (l) { return l.id === LAYERS[1]; })[0]["source-layer"];
        var signature = "";
        var pending = null;
        function regroup(now) {
          clearTimeout(pending);
          if (!now) { pending = setTimeout(function () { regroup(true); }, 60); return; }
          if (!gl.getSource(ADDRESSES)) { return; }
          var shown = {};
          activeProducts().forEach(function (p) { shown[p] = true; });
          var seen = {};
          var facts = [];
          gl.querySourceFeatures("vlok", { sourceLayer: sourceLayer, filter: ["has", "POID"] }).forEach(function (f) {
            var poid = f.properties.POID;
            if (seen[poid] || !shown[f.properties.PRODUCT]) { return; }
            seen[poid] = true;
            facts.push(A.fact(asFeature(f)));
          });
          var sig = Object.keys(seen).sort().join("|");
          if (sig === signature) { return; }
          signature = sig;
          gl.getSource(ADDRESSES).setData({ type: "FeatureCollection", features: A.group(facts).map(function (point) {
            return { type: "Feature", geometry: { type: "Point", coordinates: [point.lon, point.lat] },
              properties: { icon: addressIcon(point), facts: JSON.stringify(point.facts.map(function (f) {
                return { POID: f.poid, PRODUCT: f.product, adres: f.adres }; })) } };
          }) });
        }
        gl.on("load", function () {
          gl.addSource(ADDRESSES, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
          gl.addLayer({ id: ADDRESSES, type: "symbol", source: ADDRESSES, layout: { "icon-image": ["get", "icon"],
            "icon-allow-overlap": true, "icon-ignore-placement": true } });
          filter();
        });
        gl.on("sourcedata", function (e) { if (e.sourceId === "vlok" && e.tile) { regroup(); } });
        gl.on("moveend", function () { regroup(); });
        document.querySelectorAll("#legende input[type=checkbox]").forEach(function (box) {
          box.addEventListener("change", function () { if (gl.isStyleLoaded()) { filter(); } });
        });
        gl.on("error", function (e) {
          if (vector.firstMarkers === null) { fallBack(e && e.error ? e.error.message : e); }
        });
        /* The first frame with markers on screen: what the benchmark and the tests wait for. */
        function drawn() {
          if (!gl.getLayer(ADDRESSES) || !gl.queryRenderedFeatures({ layers: DRAWN }).length) { return; }
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
      var found = gl.queryRenderedFeatures([[p.x - 10, p.y - 10], [p.x + 10, p.y + 10]], { layers: DRAWN });
      if (!found.length) { return; }
      var points = found.filter(function (f) { return f.layer.id === ADDRESSES; });
      if (!points.length) {
        map.setView(latlng, Math.min(18, map.getZoom() + 2));
        return;
      }
      var seen = {};
      var facts = [];
      points.forEach(function (f) {
        JSON.parse(f.properties.facts).forEach(function (q) {
          if (seen[q.POID]) { return; }
          seen[q.POID] = true;
          facts.push(A.fact(asFeature({ properties: q, geometry: f.geometry })));
        });
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
