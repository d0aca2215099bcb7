/* Citizen map viewer: one marker per address point, clustering, address search, popups, list.
 * Everything it loads comes from this server (see build.py for the vendored Leaflet); what an
 * address point says is built by adrespunt.js, shared with the list and the search. */
(function () {
  "use strict";

  var A = window.VlokAdrespunt;
  var config = A.config;
  var PRODUCTS = config.producten;
  var TEXT = A.text;
  var el = A.el;
  var FLANDERS = [[50.68, 2.54], [51.51, 5.92]];
  var LOAD_FAILED = "De kaartgegevens konden niet geladen worden. Probeer later opnieuw.";
  var state = { cells: {}, features: {}, cellFeatures: {}, loaded: {}, seq: {}, markers: {},
    points: [], search: null, view: "kaart" };
  var status = document.getElementById("zoek-status");
  var kaart = document.getElementById("kaart");

  function escapeAttr(s) { return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }
  /* Narrow enough on a phone to leave the zoom buttons free (the padding keeps the popup clear of them). */
  function popupWidth() { return Math.max(220, Math.min(360, window.innerWidth - 110)); }
  function popupOptions(offset) {
    return { maxWidth: popupWidth(), offset: offset, autoPanPaddingTopLeft: [48, 10], autoPanPaddingBottomRight: [10, 10] };
  }

  /* ---- map ---- */
  /* No fade: a closed popup leaves the page at once, so it is never read after a new search. */
  var map = L.map("kaart", { zoomControl: true, zoomSnap: 0.25, minZoom: 6.5, maxZoom: 19, keyboard: true,
    fadeAnimation: false, maxBounds: [[49.9, 1.5], [52.2, 7.0]] });
  map.fitBounds(FLANDERS);
  map.attributionControl.setPrefix(false);
  /* With WebGL and the server's vector tiles, MapLibre draws the points (vector.js). */
  var vector = window.VlokVector ? window.VlokVector.attach(map, { reload: function () { map.fire("moveend"); } }) : null;
  if (config.basemap) {
    L.tileLayer(config.basemap, { maxZoom: 19, attribution: config.attributie || "" }).addTo(map);
  }
  fetch("/api/v1/kaart/gemeenten").then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data || !data.features.length) { return; }
      L.geoJSON(data, { interactive: false, style: { color: "#6b7783", weight: 1, fill: true,
        fillColor: "#ffffff", fillOpacity: config.basemap ? 0 : 0.7, className: "gemeente" } })
        .addTo(map).bringToBack();
    }).catch(function () { /* outlines are decoration: the points still show */ });
  /* No basemap: place and street names from the address register (orientation.js). */
  if (!config.basemap && window.VlokOrientatie) { window.VlokOrientatie(map); }

  function clusterSize(n) { return n < 10 ? 36 : n < 100 ? 42 : n < 1000 ? 50 : 58; }
  function countText(n) { return n < 10000 ? n.toLocaleString("nl-BE") : Math.round(n / 1000) + "k"; }

  /* Codes of the products in a tally, and the class that says whether they are mixed: shape
   * and letters tell the products apart, colour only repeats it (WCAG 1.4.1). */
  function classes(base, tally) {
    var codes = tally.map(function (t) { return PRODUCTS[t.product].code; });
    return base + " " + codes.join(" ") + (codes.length > 1 ? " gemengd" : "");
  }

  /* A cluster of address points: the number of facts, the letters of their products. */
  function clusterIcon(cluster) {
    var facts = [];
    cluster.getAllChildMarkers().forEach(function (m) { facts = facts.concat(m.point.facts); });
    var tally = A.tally(facts);
    var n = facts.length;
    var visible = countText(n) + " " + A.letters(facts);
    var name = visible + ": " + A.countText(n) + " op " + cluster.getChildCount() + " adressen (" + tally.map(function (t) {
      return PRODUCTS[t.product].titel + ": " + t.n; }).join(", ") + "), inzoomen";
    return L.divIcon({ className: classes("groep", tally), iconSize: [clusterSize(n), clusterSize(n)],
      html: '<span class="n" aria-hidden="true" data-naam="' + escapeAttr(name) + '">' + countText(n) + "</span> " +
        '<span class="letters" aria-hidden="true">' + A.letters(facts) + "</span>" });
  }

  /* An address point: the letters of its facts and, with more than one, a count badge. The
   * accessible name starts with what is visible ("HIC 3", WCAG 2.5.3 label in name, so a speech
   * user can say it), then says it in words. */
  function pointIcon(point) {
    var tally = A.tally(point.facts);
    var letters = A.letters(point.facts);
    var n = point.facts.length;
    return L.divIcon({ className: classes("punt", tally), iconSize: [18 + 9 * letters.length, 28], popupAnchor: [0, -20],
      html: '<span class="letters" aria-hidden="true">' + letters + "</span>" +
        (n > 1 ? ' <span class="badge" aria-hidden="true">' + n + "</span>" : "") });
  }

  /* A cluster radius above the largest icon (58 px) keeps clusters from covering each other,
   * so each stays a 24 px target (WCAG 2.5.8, checked by axe in the tests). */
  var cluster = L.markerClusterGroup({ iconCreateFunction: clusterIcon, chunkedLoading: true,
    showCoverageOnHover: false, maxClusterRadius: function (z) { return z < 15 ? 80 : 60; }, spiderfyOnMaxZoom: true, disableClusteringAtZoom: 18 });
  cluster.on("animationend spiderfied", labelClusters);
  map.addLayer(cluster);

  function makeMarker(point) {
    var name = A.letters(point.facts) + (point.facts.length > 1 ? " " + point.facts.length : "") + ": " +
      A.accessibleName(point);
    var m = L.marker([point.lat, point.lon], { icon: pointIcon(point), title: name, keyboard: true, riseOnHover: true });
    m.point = point;
    m.on("add", function () { m.getElement().setAttribute("aria-label", name); });
    m.bindPopup(function () { return A.element(m.point); }, popupOptions([0, 0]));
    return m;
  }

  /* Regroup the loaded facts of the products shown into address points; only markers whose
   * facts changed are replaced, so a pan does not redraw the map. */
  function rebuildPoints() {
    var facts = [];
    activeProducts().forEach(function (p) {
      (state.features[p] || []).forEach(function (f) { facts.push(A.fact(f)); });
    });
    var points = A.group(facts);
    var now = {};
    var added = [];
    var gone = [];
    points.forEach(function (point) {
      var sig = point.facts.map(function (f) { return f.poid; }).join("|");
      var m = state.markers[point.key];
      if (!m || m.sig !== sig) {
        if (m) { gone.push(m); }
        m = makeMarker(point);
        m.sig = sig;
        added.push(m);
      }
      now[point.key] = m;
    });
    Object.keys(state.markers).forEach(function (k) { if (!now[k]) { gone.push(state.markers[k]); } });
    if (gone.length) { cluster.removeLayers(gone); }
    if (added.length) { cluster.addLayers(added); }
    state.markers = now;
    state.points = points;
  }

  /* ---- data per product and view ----
   * Zoomed out, a product with many points in view is drawn from the server's clusters (counts
   * per grid cell, /api/v1/kaart/clusters); zoomed in, or with few points in view, its points in
   * view are loaded (/api/v1/kaart?bbox=) and merged with the other products' into address
   * points, clustered here. */
  function setupProduct(product) {
    state.cells[product] = L.layerGroup();
    state.features[product] = [];
    state.cellFeatures[product] = [];
    state.seq[product] = 0;
    map.addLayer(state.cells[product]);
  }

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  /* The view and a margin around it, so a small pan needs no new request. */
  function viewBox() {
    var b = map.getBounds().pad(0.25);
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85)];
  }

  function holds(box, bounds) {
    return box[0] <= bounds.getWest() && box[1] <= bounds.getSouth() &&
      box[2] >= bounds.getEast() && box[3] >= bounds.getNorth();
  }

  function getJSON(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function showPoints(product, data) {
    state.cells[product].clearLayers();
    state.features[product] = data.features;
    state.cellFeatures[product] = [];
    rebuildPoints();
  }

  function zoomInto(b, latlng) {
    var bounds = L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]);
    var zoom = map.getZoom();
    var target = Math.min(18, Math.max(zoom + 1, map.getBoundsZoom(bounds.pad(0.1))));
    if (target >= 18 || bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(latlng, Math.min(18, Math.max(zoom + 2, target)));
    } else {
      map.fitBounds(bounds.pad(0.1), { maxZoom: target });
    }
  }

  /* The server's clusters of one product: its shape, its letter and the count. */
  function showCells(product, data) {
    var t = PRODUCTS[product];
    var cells = state.cells[product];
    if (state.features[product].length) { state.features[product] = []; rebuildPoints(); }
    state.cellFeatures[product] = data.features;
    cells.clearLayers();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var n = f.properties.count;
      var latlng = L.latLng(c[1], c[0]);
      var name = countText(n) + " " + t.letter + ": " + n.toLocaleString("nl-BE") + " × " + t.titel + ", inzoomen";
      var m = L.marker(latlng, { icon: L.divIcon({ className: "groep server " + t.code,
        html: '<span class="n" aria-hidden="true">' + countText(n) + '</span> <span class="letters" aria-hidden="true">' + t.letter + "</span>",
        iconSize: [clusterSize(n), clusterSize(n)] }), title: name, keyboard: true, riseOnHover: true });
      m.on("add", function () { m.getElement().setAttribute("aria-label", name); });
      m.on("click", function () { zoomInto(f.properties.bbox, latlng); });
      cells.addLayer(m);
    });
  }

  /* Load what the view needs of one product, unless the last request already covers it; a
   * newer request makes an older answer stale. */
  function refresh(product, force) {
    if (vector && vector.active && state.view === "kaart") { return Promise.resolve(); }  /* tiles draw them */
    var zoom = Math.floor(map.getZoom());
    var last = state.loaded[product];
    if (!force && last && holds(last.box, map.getBounds()) &&
        (last.zoom === zoom || (last.punten && zoom >= last.zoom))) {
      return Promise.resolve();
    }
    var seq = ++state.seq[product];
    var box = viewBox();
    var wanted = { box: box, zoom: zoom, punten: zoom >= config.puntenVanafZoom };
    state.loaded[product] = wanted;
    var bbox = box.map(function (v) { return v.toFixed(5); }).join(",");
    var query = "?product=" + encodeURIComponent(product) + "&bbox=" + bbox;
    var current = function () { return seq === state.seq[product]; };
    var points = function () {
      wanted.punten = true;
      return getJSON("/api/v1/kaart" + query).then(function (data) {
        if (current()) { showPoints(product, data); afterLoad(); }
      });
    };
    var done = wanted.punten ? points() :
      getJSON("/api/v1/kaart/clusters" + query + "&zoom=" + zoom).then(function (data) {
        if (!current()) { return; }
        if (data.numberMatched <= config.maxPunten) { return points(); }
        showCells(product, data);
        afterLoad();
      });
    return done.catch(function (err) {
      if (state.loaded[product] === wanted) { state.loaded[product] = null; }
      throw err;
    });
  }

  function afterLoad() {
    labelClusters();
    if (state.view === "lijst" && !state.search) { renderList(); }
  }

  var moving = null;
  map.on("moveend", function () {
    clearTimeout(moving);
    moving = setTimeout(function () {
      activeProducts().forEach(function (product) {
        refresh(product).catch(function () { status.textContent = LOAD_FAILED; });
      });
    }, 150);
  });

  /* Clusters are buttons for the keyboard; give them a name a screen reader can say. */
  function labelClusters() {
    document.querySelectorAll("#kaart .groep:not(.server) [data-naam]").forEach(function (span) {
      span.parentNode.setAttribute("aria-label", span.getAttribute("data-naam"));
    });
  }
  map.on("zoomend moveend", function () { labelClusters(); if (state.view === "lijst" && !state.search) { renderList(); } });

  /* ---- layer toggles ---- */
  document.querySelectorAll("#legende input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      var product = box.dataset.product;
      if (!state.cells[product]) { return; }
      if (box.checked) {
        map.addLayer(state.cells[product]);
        refresh(product, true).catch(function () { status.textContent = LOAD_FAILED; });
      } else {
        map.removeLayer(state.cells[product]);
        state.seq[product] += 1;  /* an answer still under way is not drawn */
        state.loaded[product] = null;
        state.features[product] = [];
        state.cellFeatures[product] = [];
        rebuildPoints();
      }
      renderList();
    });
  });

  function activeProducts() {
    return Array.prototype.filter.call(document.querySelectorAll("#legende input[type=checkbox]"),
      function (b) { return b.checked; }).map(function (b) { return b.dataset.product; });
  }

  /* ---- list view: the search result, else the address points in view ---- */
  var list = document.getElementById("resultaten");
  var listInfo = document.getElementById("lijst-uitleg");
  var MAX_LIST = 100;

  function listItem(point) {
    var show = el("button", { type: "button", text: "Toon op de kaart" });
    show.addEventListener("click", function () { setView("kaart"); openPoint(point); });
    return el("li", {}, [A.element(point, "h3"), show]);
  }

  function renderList() {
    list.textContent = "";
    if (state.search) {
      var s = state.search;
      listInfo.textContent = s.facts.length ? "Publieke feiten op het adres dat u zocht:"
        : A.fill(TEXT.geen_feiten, { adres: s.label, datum: config.peildatumTekst }) + " " + TEXT.geen_stip;
      if (s.facts.length) { list.appendChild(listItem(s)); }
      return;
    }
    var bounds = map.getBounds();
    var grouped = 0;
    var points = state.points.filter(function (p) { return bounds.contains([p.lat, p.lon]); });
    activeProducts().forEach(function (product) {
      state.cellFeatures[product].forEach(function (f) {
        var c = f.geometry.coordinates;
        if (bounds.contains([c[1], c[0]])) { grouped += f.properties.count; }
      });
    });
    var facts = points.reduce(function (n, p) { return n + p.facts.length; }, grouped);
    var shown = points.slice(0, MAX_LIST);
    var text = A.countText(facts) + (grouped ? " (ongeveer)" : "") + " in het kaartbeeld";
    if (grouped) {
      text += ", te veel om op te sommen. Zoek een adres of zoom in.";
    } else {
      text += " op " + points.length + (points.length === 1 ? " adres" : " adressen") +
        ", per adres, gesorteerd op gemeente, straat en huisnummer.";
      if (points.length > shown.length) { text += " De eerste " + shown.length + " staan hieronder. Zoek een adres of zoom in."; }
    }
    listInfo.textContent = text;
    shown.forEach(function (p) { list.appendChild(listItem(p)); });
  }

  /* ---- view switch ---- */
  var btnMap = document.getElementById("toon-kaart");
  var btnList = document.getElementById("toon-lijst");
  var heading = document.getElementById("resultaten-titel");
  function setView(view) {
    state.view = view;
    kaart.hidden = view !== "kaart";
    document.getElementById("lijst").hidden = view !== "lijst";
    btnMap.setAttribute("aria-pressed", String(view === "kaart"));
    btnList.setAttribute("aria-pressed", String(view === "lijst"));
    if (view === "kaart") { map.invalidateSize(); } else { renderList(); }
    if (view === "lijst" && vector && vector.active) { map.fire("moveend"); }  /* the list needs the JSON */
  }
  btnMap.addEventListener("click", function () { setView("kaart"); });
  btnList.addEventListener("click", function () { setView("lijst"); heading.focus(); });

  /* "Ga naar de resultaten": the list's heading in the list view; in the map view the open
   * popup, else the map itself (a hidden target would leave focus on the body). */
  function focusResults() {
    if (state.view === "lijst") { heading.focus(); return; }
    var content = kaart.querySelector(".leaflet-popup-content");
    if (content) { content.setAttribute("tabindex", "-1"); content.focus(); } else { kaart.focus(); }
  }
  document.querySelectorAll("a[data-naar=resultaten]").forEach(function (link) {
    link.addEventListener("click", function (e) { e.preventDefault(); focusResults(); });
  });

  /* On a phone the map sits below the search: bring it (or the list) into view. */
  function reveal(node) {
    var r = node.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) { node.scrollIntoView({ block: "start" }); }
  }

  /* ---- search (ARIA 1.2 combobox with a listbox popup) ---- */
  var input = document.getElementById("zoek");
  var box = document.getElementById("suggesties");
  var suggestions = [];
  var active = -1;
  var pending = null;
  var asked = 0;
  var chosen = 0;

  function closeBox() {
    box.hidden = true; input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant"); active = -1;
  }

  function showSuggestions(items) {
    suggestions = items; box.textContent = ""; active = -1;
    items.forEach(function (a, i) {
      var kind = a.soort && a.soort !== "adres" ? el("span", { "class": "soort", text: " · " + a.soort }) : null;
      var li = el("li", { id: "suggestie-" + i, role: "option", "aria-selected": "false" }, [el("span", { text: a.label }), kind]);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      box.appendChild(li);
    });
    box.hidden = !items.length;
    input.setAttribute("aria-expanded", String(items.length > 0));
    /* What a screen reader hears while typing: how many proposals there are. */
    document.getElementById("zoek-aantal").textContent = items.length
      ? items.length + (items.length === 1 ? " voorstel" : " voorstellen") + ", kies met de pijltjestoetsen." : "";
  }

  function highlight(i) {
    var options = box.querySelectorAll("[role=option]");
    if (!options.length) { return; }
    active = (i + options.length) % options.length;
    options.forEach(function (o, j) { o.setAttribute("aria-selected", String(j === active)); });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  /* Suggestions for text; a refused query (400) finds nothing, a broken server is an error. */
  function ask(text) {
    var mine = ++asked;
    return fetch("/api/v1/adressen?q=" + encodeURIComponent(text))
      .then(function (r) {
        if (r.status >= 500) { throw new Error("adressen: " + r.status); }
        return r.ok ? r.json() : { adressen: [] };
      })
      .then(function (data) { if (mine === asked) { showSuggestions(data.adressen); } return data.adressen; });
  }

  input.addEventListener("input", function () {
    clearTimeout(pending);
    var text = input.value.trim();
    if (text.length < 2) { closeBox(); return; }
    pending = setTimeout(function () { ask(text).catch(function () { closeBox(); }); }, 120);
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); if (box.hidden && suggestions.length) { showSuggestions(suggestions); } highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Escape") { closeBox(); }
    else if (e.key === "Enter" && active >= 0 && !box.hidden) { e.preventDefault(); choose(active); }
  });
  input.addEventListener("blur", function () { setTimeout(closeBox, 150); });

  /* A search that found nothing (or failed) leaves no earlier result on screen. */
  function clearResult(message) {
    chosen += 1;
    closeBox();
    map.closePopup();
    state.search = null;
    status.textContent = message;
    if (state.view === "lijst") { renderList(); }
  }

  document.getElementById("zoekform").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    clearTimeout(pending);
    if (!text) { clearResult("Typ een straat en huisnummer, en eventueel de gemeente."); return; }
    ask(text).then(function (found) {
      if (found.length) { choose(0); } else { clearResult(A.fill(TEXT.niet_gevonden, { zoekterm: text })); }
    }).catch(function () { clearResult(TEXT.fout); });
  });

  /* Every fact at the chosen address's point (the whole building, as its marker shows), from
   * the map's own endpoint: the nearest address point within a few metres. */
  function pointAt(a) {
    var d = 0.0001;
    var bbox = [a.lon - d, a.lat - d, a.lon + d, a.lat + d].map(function (v) { return v.toFixed(6); }).join(",");
    return getJSON("/api/v1/kaart?bbox=" + bbox).then(function (data) {
      var points = A.group(data.features.map(A.fact));
      var dist = function (p) { return Math.pow(p.lon - a.lon, 2) + Math.pow(p.lat - a.lat, 2); };
      points.sort(function (p, q) { return dist(p) - dist(q); });
      var point = points[0] || { key: A.key(a.lon, a.lat), lat: a.lat, lon: a.lon, facts: [], label: a.label };
      var known = {};
      point.facts.forEach(function (f) { known[f.poid] = true; });
      (a.features || []).forEach(function (f) {
        if (!known[f.poid]) {
          known[f.poid] = true;
          point.facts.push({ poid: f.poid, product: f.product, adres: f.adres, straat: "", huisnummer: "",
            bus: "", postcode: "", gemeente: "", lon: a.lon, lat: a.lat });
        }
      });
      return point.facts.length ? A.finish(point) : point;
    });
  }

  function openPoint(point) {
    var latlng = L.latLng(point.lat, point.lon);
    /* Zoom 18 and up draws every address point on its own: the popup points at its marker. */
    map.setView(latlng, Math.max(map.getZoom(), 18), { animate: false });
    L.popup(popupOptions([0, -20])).setLatLng(latlng)
      .setContent(A.element(point)).openOn(map);
    reveal(kaart);
  }

  /* A municipality, deelgemeente or street: show it; after a street the number comes next. */
  function choosePlace(a) {
    chosen += 1;
    closeBox();
    map.closePopup();
    state.search = null;
    var b = a.bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: a.soort === "straat" ? 17 : 15, animate: false });
    if (a.vervolg) {
      input.value = a.vervolg;
      input.focus();
      input.setSelectionRange(a.cursor, a.cursor);
      status.textContent = a.label + " op de kaart. Typ nu het huisnummer.";
    } else {
      input.value = a.label;
      status.textContent = a.label + " op de kaart. Typ een straat en huisnummer om verder te zoeken.";
    }
    if (state.view === "lijst") { renderList(); }
    reveal(kaart);
  }

  function choose(i) {
    var a = suggestions[i];
    if (!a) { return; }
    if (a.soort && a.soort !== "adres") { choosePlace(a); return; }
    var mine = ++chosen;
    closeBox();
    map.closePopup();
    input.value = a.label;
    status.textContent = "Bezig met zoeken naar " + a.label + "…";
    pointAt(a).then(function (point) {
      if (mine !== chosen) { return; }
      point.gezocht = a.label;
      state.search = point;
      var n = point.facts.length;
      status.textContent = n ? a.label + ": " + A.countText(n) + " op dit adres. " + A.summary(point.facts) + "."
        : A.fill(TEXT.geen_feiten, { adres: a.label, datum: config.peildatumTekst }) + " " + TEXT.geen_stip;
      if (state.view === "lijst") { renderList(); reveal(document.getElementById("lijst")); }
      else { openPoint(point); }
    }).catch(function () { if (mine === chosen) { clearResult(TEXT.fout); } });
  }
  input.addEventListener("change", function () { if (!input.value.trim()) { state.search = null; } });

  /* ---- copy service URLs ---- */
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var field = document.getElementById(btn.dataset.copy);
      field.select();
      var done = function () { status.textContent = "Adres van de dienst gekopieerd."; };
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () {}); }
    });
  });

  /* ---- start ---- */
  Object.keys(PRODUCTS).forEach(setupProduct);
  Promise.all(activeProducts().map(function (product) { return refresh(product, true); })).then(function () {
    document.body.dataset.geladen = "ja";
  }).catch(function () {
    status.textContent = LOAD_FAILED;
  });
})();
