/* Citizen map viewer: layers per product with clustering, address search, popups, list view.
 * Everything it loads comes from this server (see build.py for the vendored Leaflet). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);
  var PRODUCTS = config.producten;
  var FLANDERS = [[50.68, 2.54], [51.51, 5.92]];
  var state = { layers: {}, groups: {}, cells: {}, features: {}, cellFeatures: {}, markers: {},
    loaded: {}, seq: {}, search: null, view: "kaart" };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  /* One fact in plain words: the same element in a popup and in the list. */
  function factElement(product, poid, adres) {
    var t = PRODUCTS[product];
    var more = el("p", {}, [
      el("a", { href: t.meer, rel: "noopener", text: "Meer uitleg op vlaanderen.be" }),
      document.createTextNode(" · "),
      el("a", { href: config.ogcItem + encodeURIComponent(poid), text: "Gegevens (OGC API)" })
    ]);
    return el("article", { "class": "feit " + t.code, "data-poid": poid, "data-product": product }, [
      el("h3", {}, [el("span", { "class": "symbool " + t.code, "aria-hidden": "true", text: t.letter }),
        el("span", { text: t.titel })]),
      el("p", { "class": "adres", text: adres }),
      el("p", { text: t.feit }),
      el("p", { text: t.wat }),
      el("p", {}, [el("strong", { text: "Wat betekent dit voor u? " }), document.createTextNode(t.betekenis)]),
      el("p", { "class": "meta", text: "Toestand op " + config.peildatumTekst + " · Bron: " + config.bron }),
      more
    ]);
  }

  function factsElement(facts) {
    var box = el("div", { "class": "feiten" });
    facts.forEach(function (f) { box.appendChild(factElement(f.product, f.poid, f.adres)); });
    return box;
  }

  /* ---- map ---- */
  var map = L.map("kaart", { zoomControl: true, zoomSnap: 0.25, minZoom: 6.5, maxZoom: 19, keyboard: true,
    maxBounds: [[49.9, 1.5], [52.2, 7.0]] });
  map.fitBounds(FLANDERS);
  map.attributionControl.setPrefix(false);
  if (config.basemap) {
    L.tileLayer(config.basemap, { maxZoom: 19, attribution: config.attributie || "" }).addTo(map);
  }
  fetch("/api/v1/kaart/gemeenten").then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data || !data.features.length) { return; }
      L.geoJSON(data, { interactive: false, style: { color: "#7d8a96", weight: 1, fill: true,
        fillColor: "#ffffff", fillOpacity: config.basemap ? 0 : 0.7, className: "gemeente" } })
        .addTo(map).bringToBack();
    }).catch(function () { /* outlines are decoration: the points still show */ });

  function clusterSize(n) { return n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 52; }

  function clusterIcon(code) {
    return function (cluster) {
      var n = cluster.getChildCount();
      return L.divIcon({ html: String(n), className: "groep " + code, iconSize: [clusterSize(n), clusterSize(n)] });
    };
  }

  function markerIcon(t) {
    return L.divIcon({ html: t.letter, className: "punt " + t.code, iconSize: [20, 20] });
  }

  /* ---- data per product and view ----
   * Zoomed out, a product with many points in view is drawn from the server's clusters (counts
   * per grid cell, /api/v1/kaart/clusters); zoomed in, or with few points in view, its points in
   * view are loaded (/api/v1/kaart?bbox=) and clustered here. Each product's layer holds both: a
   * marker cluster group for points and a plain group for the server's clusters. */
  function setupProduct(product) {
    var t = PRODUCTS[product];
    var group = L.markerClusterGroup({ iconCreateFunction: clusterIcon(t.code),
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
      spiderfyOnMaxZoom: true, disableClusteringAtZoom: 18 });
    group.on("animationend spiderfied", labelClusters);
    var cells = L.layerGroup();
    state.groups[product] = group;
    state.cells[product] = cells;
    state.markers[product] = {};
    state.features[product] = [];
    state.seq[product] = 0;
    state.layers[product] = L.layerGroup([group, cells]);
    map.addLayer(state.layers[product]);
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
    var t = PRODUCTS[product];
    var group = state.groups[product];
    var old = state.markers[product];
    var now = {};
    var added = [];
    state.cells[product].clearLayers();
    data.features.forEach(function (f) {
      var m = old[f.id];
      if (!m) {
        var c = f.geometry.coordinates;
        m = L.marker([c[1], c[0]], { icon: markerIcon(t), title: t.titel + ": " + f.properties.adres,
          keyboard: true, riseOnHover: true });
        m.feature = f;
        m.bindPopup(function () {
          return factsElement([{ product: product, poid: f.id, adres: f.properties.adres }]);
        }, { maxWidth: 320 });
        added.push(m);
      }
      now[f.id] = m;
    });
    var gone = Object.keys(old).filter(function (id) { return !now[id]; }).map(function (id) { return old[id]; });
    if (gone.length) { group.removeLayers(gone); }
    if (added.length) { group.addLayers(added); }
    state.markers[product] = now;
    state.features[product] = data.features;
    state.cellFeatures[product] = [];
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

  function countText(n) {
    return n < 10000 ? n.toLocaleString("nl-BE") : Math.round(n / 1000) + "k";
  }

  function showCells(product, data) {
    var t = PRODUCTS[product];
    var cells = state.cells[product];
    if (Object.keys(state.markers[product]).length) { state.groups[product].clearLayers(); }
    state.markers[product] = {};
    state.features[product] = [];
    state.cellFeatures[product] = data.features;
    cells.clearLayers();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var n = f.properties.count;
      var latlng = L.latLng(c[1], c[0]);
      var name = n.toLocaleString("nl-BE") + " × " + t.titel + ", inzoomen";
      var m = L.marker(latlng, { icon: L.divIcon({ html: countText(n), className: "groep server " + t.code,
        iconSize: [clusterSize(n), clusterSize(n)] }), title: name, keyboard: true, riseOnHover: true });
      m.on("add", function () { m.getElement().setAttribute("aria-label", name); });
      m.on("click", function () { zoomInto(f.properties.bbox, latlng); });
      cells.addLayer(m);
    });
  }

  /* Load what the view needs of one product, unless the last request already covers it; a
   * newer request makes an older answer stale. */
  function refresh(product, force) {
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
        refresh(product).catch(function () { status.textContent = "De kaartgegevens konden niet geladen worden. Probeer later opnieuw."; });
      });
    }, 150);
  });

  /* Clusters are buttons for the keyboard; give them a name a screen reader can say. */
  function labelClusters() {
    Object.keys(state.layers).forEach(function (product) {
      var t = PRODUCTS[product];
      document.querySelectorAll(".groep." + t.code + ":not(.server)").forEach(function (node) {
        node.setAttribute("aria-label", node.textContent + " × " + t.titel + ", inzoomen");
      });
    });
  }
  map.on("zoomend moveend", function () { labelClusters(); if (state.view === "lijst" && !state.search) { renderList(); } });

  /* ---- layer toggles ---- */
  document.querySelectorAll("#legende input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      var product = box.dataset.product;
      var layer = state.layers[product];
      if (!layer) { return; }
      if (box.checked) {
        map.addLayer(layer);
        refresh(product).catch(function () { status.textContent = "De kaartgegevens konden niet geladen worden. Probeer later opnieuw."; });
      } else {
        map.removeLayer(layer);
        state.seq[product] += 1;  /* an answer still under way is not drawn */
        state.loaded[product] = null;
      }
      renderList();
    });
  });

  function activeProducts() {
    return Array.prototype.filter.call(document.querySelectorAll("#legende input[type=checkbox]"),
      function (b) { return b.checked; }).map(function (b) { return b.dataset.product; });
  }

  /* ---- list view: the search result, else what the map shows ---- */
  var list = document.getElementById("resultaten");
  var listInfo = document.getElementById("lijst-uitleg");

  function listItem(facts, latlng) {
    var show = el("button", { type: "button", text: "Toon op de kaart" });
    show.addEventListener("click", function () { setView("kaart"); openFacts(facts, latlng); });
    return el("li", {}, [factsElement(facts), show]);
  }

  function renderList() {
    list.textContent = "";
    if (state.search) {
      var s = state.search;
      listInfo.textContent = s.features.length
        ? "Publieke feiten voor " + s.label + ":"
        : "Voor " + s.label + " zijn geen publieke feiten bekend op " + config.peildatumTekst + ".";
      if (s.features.length) { list.appendChild(listItem(s.features, L.latLng(s.lat, s.lon))); }
      return;
    }
    var bounds = map.getBounds();
    var items = [];
    var grouped = 0;
    activeProducts().forEach(function (product) {
      (state.features[product] || []).forEach(function (f) {
        var c = f.geometry.coordinates;
        if (bounds.contains([c[1], c[0]])) { items.push({ product: product, poid: f.id, adres: f.properties.adres, lat: c[1], lon: c[0] }); }
      });
      (state.cellFeatures[product] || []).forEach(function (f) {
        var c = f.geometry.coordinates;
        if (bounds.contains([c[1], c[0]])) { grouped += f.properties.count; }
      });
    });
    items.sort(function (a, b) { return a.adres.localeCompare(b.adres, "nl"); });
    var shown = items.slice(0, 100);
    if (grouped) {
      listInfo.textContent = "Ongeveer " + (items.length + grouped).toLocaleString("nl-BE") +
        " feiten in het kaartbeeld, te veel om op te sommen. Zoek een adres of zoom in." +
        (shown.length ? " Hieronder " + (items.length > shown.length ? "de eerste " : "") + shown.length + "." : "");
    } else {
      listInfo.textContent = items.length + " feiten in het kaartbeeld" +
        (items.length > shown.length ? "; de eerste " + shown.length + " staan hieronder. Zoek een adres of zoom in." : ".");
    }
    shown.forEach(function (i) { list.appendChild(listItem([i], L.latLng(i.lat, i.lon))); });
  }

  /* ---- view switch ---- */
  var btnMap = document.getElementById("toon-kaart");
  var btnList = document.getElementById("toon-lijst");
  function setView(view) {
    state.view = view;
    document.getElementById("kaart").hidden = view !== "kaart";
    document.getElementById("lijst").hidden = view !== "lijst";
    btnMap.setAttribute("aria-pressed", String(view === "kaart"));
    btnList.setAttribute("aria-pressed", String(view === "lijst"));
    if (view === "kaart") { map.invalidateSize(); } else { renderList(); }
  }
  btnMap.addEventListener("click", function () { setView("kaart"); });
  btnList.addEventListener("click", function () { setView("lijst"); document.getElementById("resultaten-titel").focus(); });

  /* ---- search (ARIA 1.2 combobox with a listbox popup) ---- */
  var input = document.getElementById("zoek");
  var box = document.getElementById("suggesties");
  var status = document.getElementById("zoek-status");
  var suggestions = [];
  var active = -1;
  var pending = null;
  var asked = 0;

  function closeBox() {
    box.hidden = true; input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant"); active = -1;
  }

  function showSuggestions(items) {
    suggestions = items; box.textContent = ""; active = -1;
    items.forEach(function (a, i) {
      var names = [];
      a.features.forEach(function (f) { var n = PRODUCTS[f.product].titel; if (names.indexOf(n) < 0) { names.push(n); } });
      var li = el("li", { id: "suggestie-" + i, role: "option", "aria-selected": "false" }, [
        el("span", { text: a.label }), el("span", { "class": "feiten", text: names.join(" · ") })]);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      box.appendChild(li);
    });
    box.hidden = !items.length;
    input.setAttribute("aria-expanded", String(items.length > 0));
  }

  function highlight(i) {
    var options = box.querySelectorAll("[role=option]");
    if (!options.length) { return; }
    active = (i + options.length) % options.length;
    options.forEach(function (o, j) { o.setAttribute("aria-selected", String(j === active)); });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function ask(text) {
    var mine = ++asked;
    return fetch("/api/v1/adressen?q=" + encodeURIComponent(text))
      .then(function (r) { return r.ok ? r.json() : { adressen: [] }; })
      .then(function (data) { if (mine === asked) { showSuggestions(data.adressen); } return data.adressen; });
  }

  input.addEventListener("input", function () {
    clearTimeout(pending);
    var text = input.value.trim();
    if (text.length < 2) { closeBox(); return; }
    pending = setTimeout(function () { ask(text); }, 120);
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); if (box.hidden && suggestions.length) { showSuggestions(suggestions); } highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Escape") { closeBox(); }
    else if (e.key === "Enter" && active >= 0 && !box.hidden) { e.preventDefault(); choose(active); }
  });
  input.addEventListener("blur", function () { setTimeout(closeBox, 150); });

  document.getElementById("zoekform").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { status.textContent = "Typ een straat en huisnummer."; return; }
    clearTimeout(pending);
    ask(text).then(function (found) {
      if (found.length) { choose(0); }
      else { closeBox(); status.textContent = "Geen gepubliceerd adres gevonden voor \u201c" + text + "\u201d. Er zijn dan geen publieke feiten over bekend."; }
    });
  });

  function openFacts(facts, latlng) {
    map.setView(latlng, Math.max(map.getZoom(), 17));
    L.popup({ maxWidth: 320, offset: [0, -4] }).setLatLng(latlng).setContent(factsElement(facts)).openOn(map);
  }

  function choose(i) {
    var a = suggestions[i];
    if (!a) { return; }
    closeBox();
    input.value = a.label;
    state.search = a;
    var n = a.features.length;
    status.textContent = a.label + ": " + (n ? n + (n === 1 ? " publiek feit" : " publieke feiten") + " gevonden."
      : "geen publieke feiten bekend.");
    if (state.view === "lijst") { renderList(); } else { openFacts(a.features, L.latLng(a.lat, a.lon)); }
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
    status.textContent = "De kaartgegevens konden niet geladen worden. Probeer later opnieuw.";
  });
})();
