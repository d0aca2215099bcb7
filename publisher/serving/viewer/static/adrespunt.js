/* Address points: the facts that share one spot, grouped, summarised and shown in plain Dutch.
 *
 * Why a module of its own: several units and the building's claim share one address point, so
 * one marker, one popup and one list item each stand for a whole address point. The map, the
 * search and the list all draw it with the functions below, so they cannot say different things.
 * Pure DOM building, no Leaflet: window.VlokAdrespunt.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);
  var PRODUCTS = config.producten;
  var ORDER = config.volgorde;
  var TEXT = config.afwezig;
  var collator = new Intl.Collator("nl", { numeric: true, sensitivity: "base" });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  /* The spot a fact is drawn at: facts with the same key share one marker. */
  function key(lon, lat) { return lon.toFixed(6) + "," + lat.toFixed(6); }

  /* A fact from a /api/v1/kaart feature. */
  function fact(f) {
    var p = f.properties;
    return { poid: f.id, product: p.PRODUCT, adres: p.adres, straat: p.straat || "",
      huisnummer: p.huisnummer || "", bus: p.bus || "", postcode: p.postcode || "",
      gemeente: p.gemeente || "", lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] };
  }

  function byAddress(a, b) {
    return collator.compare(a.gemeente, b.gemeente) || collator.compare(a.straat, b.straat) ||
      collator.compare(a.huisnummer, b.huisnummer) || collator.compare(a.bus, b.bus) ||
      collator.compare(a.adres || "", b.adres || "");
  }

  function rank(product) { var i = ORDER.indexOf(product); return i < 0 ? ORDER.length : i; }

  /* Facts grouped by address point: [{key, lat, lon, label, facts}] sorted by municipality,
   * street and house number. */
  function group(facts) {
    var points = {};
    facts.forEach(function (f) {
      var k = key(f.lon, f.lat);
      (points[k] = points[k] || { key: k, lat: f.lat, lon: f.lon, facts: [] }).facts.push(f);
    });
    return Object.keys(points).map(function (k) { return finish(points[k]); }).sort(function (a, b) {
      return byAddress(a.first, b.first);
    });
  }

  /* Sort a point's facts (claim, inventory, certificates; then by box) and name the point after
   * its building: the street and number without a box. */
  function finish(point) {
    point.facts.sort(function (a, b) { return rank(a.product) - rank(b.product) || byAddress(a, b); });
    var first = point.facts.slice().sort(byAddress)[0];
    point.first = first;
    point.label = point.label || (first.straat
      ? first.straat + " " + first.huisnummer + ", " + first.postcode + " " + first.gemeente
      : first.adres);
    return point;
  }

  /* Products present at a point, in ORDER, with how many facts each. */
  function tally(facts) {
    var n = {};
    facts.forEach(function (f) { n[f.product] = (n[f.product] || 0) + 1; });
    return ORDER.filter(function (p) { return n[p]; }).map(function (p) { return { product: p, n: n[p] }; });
  }

  function letters(facts) {
    return tally(facts).map(function (t) { return PRODUCTS[t.product].letter; }).join("");
  }

  /* "Gebouw: herstelvordering · 1 woning op de inventaris · 3 woningen met een geldig conformiteitsattest" */
  function summary(facts) {
    return tally(facts).map(function (t) {
      var p = PRODUCTS[t.product];
      return t.n === 1 ? p.een : fill(p.meer_dan_een, { n: t.n });
    }).join(" · ");
  }

  function countText(n) { return n === 1 ? "1 publiek feit" : n.toLocaleString("nl-BE") + " publieke feiten"; }

  /* What a screen reader says for a marker. */
  function accessibleName(point) {
    return point.label + ": " + countText(point.facts.length) + ". " + summary(point.facts);
  }

  function meta() {
    return el("p", { "class": "meta", text: "Toestand op " + config.peildatumTekst + " · Bron: " + config.bron });
  }

  /* One product at a point, folded: which units, what it means, where to read more. */
  function productDetails(product, facts, open) {
    var t = PRODUCTS[product];
    var units = el("ul", { "class": "eenheden" }, facts.map(function (f) {
      return el("li", { "data-poid": f.poid }, [el("span", { text: f.adres }), " · ",
        el("a", { href: config.ogcItem + encodeURIComponent(f.poid), text: "Technische gegevens" })]);
    }));
    var head = t.titel + (facts.length > 1 ? " (" + facts.length + ")" : "");
    var box = el("details", { "class": "feit " + t.code, "data-product": product }, [
      el("summary", {}, [el("span", { "class": "symbool " + t.code, "aria-hidden": "true", text: t.letter }),
        el("span", { text: head })]),
      el("p", { text: t.feit }),
      units,
      el("p", { text: t.wat }),
      el("p", {}, [el("strong", { text: "Wat betekent dit voor u? " }), t.betekenis]),
      el("p", {}, [el("a", { href: t.meer, rel: "noopener", text: "Meer uitleg op vlaanderen.be" })])
    ]);
    if (open) { box.open = true; }
    return box;
  }

  /* An address point in a popup or a list item: the address, a one-line summary, then one
   * folded section per product (open when there is only one), what absence means, date, source. */
  function element(point, heading) {
    var facts = point.facts;
    var kinds = tally(facts);
    var children = [el(heading || "h3", { "class": "adres", text: point.label })];
    if (point.gezocht && point.gezocht !== point.label) {
      children.push(el("p", { "class": "gezocht", text: "U zocht: " + point.gezocht }));
    }
    if (facts.length) {
      children.push(el("p", { "class": "samenvatting" }, [
        el("span", { "class": "letters", "aria-hidden": "true", text: letters(facts) }), " ",
        el("span", { text: summary(facts) })]));
      kinds.forEach(function (k) {
        children.push(productDetails(k.product, facts.filter(function (f) { return f.product === k.product; }),
          kinds.length === 1 && k.n === 1));
      });
      children.push(el("p", { "class": "afwezig", text: TEXT.andere_woningen }));
    } else {
      children.push(el("p", { "class": "samenvatting", text: fill(TEXT.geen_feiten, { adres: point.label, datum: config.peildatumTekst }) }));
      children.push(el("p", { "class": "afwezig", text: TEXT.geen_stip }));
    }
    children.push(meta());
    return el("article", { "class": "adrespunt", "data-key": point.key || "" }, children);
  }

  window.VlokAdrespunt = { el: el, fill: fill, key: key, fact: fact, group: group, finish: finish,
    letters: letters, summary: summary, tally: tally, countText: countText,
    accessibleName: accessibleName, element: element, text: TEXT, config: config };
})();
