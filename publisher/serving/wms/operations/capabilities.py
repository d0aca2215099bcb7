"""GetCapabilities for WMS 1.3.0 (XSD, with SLD 1.1.0's GetLegendGraphic) and 1.1.1 (DTD).

One walk over :func:`~publisher.serving.wms.layers.layers` writes both versions; they differ
only where the standards do: element names (``CRS``/``SRS``), the axis order of EPSG:4326
bounding boxes (1.3.0: latitude first), scale hints (``Min/MaxScaleDenominator`` or
``ScaleHint``) and format names. Extents come from the current publications' metadata.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from pyproj import Transformer

from publisher.serving.publications import PublicationReader, PublicationUnreadable
from publisher.serving.wms.layers import POI, POLICY, MapLayer, layers
from publisher.serving.wms.operations.legend import legend_png
from publisher.serving.wms.parsers.kvp import (
    ADVERTISED_INFO_FORMATS,
    ADVERTISED_MAP_FORMATS,
    MAX_LAYERS,
)
from publisher.serving.wms.response import Response
from publisher.serving.wms.settings import (
    ACCESS_CONSTRAINTS,
    FEES,
    KEYWORDS,
    MAX_SCALE_DENOMINATOR,
    MAX_SIZE,
    MIN_SCALE_DENOMINATOR,
    PROVIDER,
    SERVICE_ABSTRACT,
    SERVICE_NAME,
    SERVICE_TITLE,
)

#: Served CRSs as WMS names them, in capabilities order (the storage CRS first).
CRS_NAMES = ("EPSG:31370", "EPSG:3812", "EPSG:4326", "EPSG:3857", "CRS:84")
#: Where data can be before anything is published (Flanders and Brussels, CRS84).
FALLBACK_EXTENT = (2.3, 50.5, 6.1, 51.7)
WMS_NS = "http://www.opengis.net/wms"
SLD_NS = "http://www.opengis.net/sld"
SCHEMAS = (f"{WMS_NS} http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd "
           f"{SLD_NS} http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd")
DTD = "http://schemas.opengis.net/wms/1.1.1/WMS_MS_Capabilities.dtd"


def _lonlat_extent(reader: PublicationReader, dataset: str) -> tuple[float, ...]:
    """The dataset's extent in CRS84, from its publication's ``extent_31370``."""
    try:
        pub = reader.current(dataset)
    except PublicationUnreadable:
        pub = None
    box = (pub.meta.get("extent_31370") if pub is not None else None) or None
    if not box or box[0] >= box[2] or box[1] >= box[3]:
        return FALLBACK_EXTENT
    return Transformer.from_crs(31370, 4326, always_xy=True).transform_bounds(*box)


def _update_sequence(reader: PublicationReader) -> str:
    """``updateSequence``: the publications' run ids (they change with every publication)."""
    runs = []
    for dataset in (POI, POLICY):
        try:
            pub = reader.current(dataset)
        except PublicationUnreadable:
            pub = None
        if pub is not None:
            runs.append(pub.run_id)
    return f' updateSequence="{"-".join(runs)}"' if runs else ""


def _bbox_in(name: str, lonlat: tuple[float, ...]) -> tuple[float, ...]:
    epsg = {"CRS:84": 4326}.get(name) or int(name.split(":")[1])
    if epsg == 4326:
        return lonlat
    return Transformer.from_crs(4326, epsg, always_xy=True).transform_bounds(
        *lonlat, densify_pts=21)


def _online(url: str) -> str:
    return (f'<OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
            f'xlink:href={quoteattr(url)}/>')


def _operation(tag: str, formats: tuple[str, ...], url: str) -> str:
    fmts = "".join(f"<Format>{escape(f)}</Format>" for f in formats)
    return (f"<{tag}>{fmts}<DCPType><HTTP><Get>{_online(url + '?')}</Get></HTTP></DCPType>"
            f"</{tag.split(' ')[0]}>")


def _layer(layer: MapLayer, version: str, url: str, lonlat: tuple[float, ...]) -> str:
    new = version == "1.3.0"
    parts = [f"<Name>{escape(layer.name)}</Name>", f"<Title>{escape(layer.title)}</Title>",
             f"<Abstract>{escape(layer.abstract)}</Abstract>"]
    if not new:  # 1.1.1: a LatLonBoundingBox per layer (1.3.0 inherits the root's)
        parts.append('<LatLonBoundingBox minx="{:.6f}" miny="{:.6f}" maxx="{:.6f}" '
                     'maxy="{:.6f}"/>'.format(*lonlat))
    else:
        parts.append(_geographic(lonlat))
    parts += _bounding_boxes(version, lonlat)
    for style in layer.styles:
        _, width, height = legend_png(layer, style)
        legend = url + "?" + urlencode({
            "SERVICE": "WMS", "VERSION": version, "REQUEST": "GetLegendGraphic",
            "FORMAT": "image/png", "LAYER": layer.name, "STYLE": style.name})
        parts.append(f"<Style><Name>{escape(style.name)}</Name>"
                     f"<Title>{escape(style.title)}</Title>"
                     f"<Abstract>{escape(style.abstract)}</Abstract>"
                     f'<LegendURL width="{width}" height="{height}"><Format>image/png</Format>'
                     f"{_online(legend)}</LegendURL></Style>")
    if new:
        parts.append(f"<MinScaleDenominator>{MIN_SCALE_DENOMINATOR:g}</MinScaleDenominator>"
                     f"<MaxScaleDenominator>{MAX_SCALE_DENOMINATOR:g}</MaxScaleDenominator>")
    else:  # ScaleHint: the diagonal of a pixel on the ground, in metres (WMS 1.1.1 §7.1.4.5.8)
        diagonal = 0.00028 * math.sqrt(2)
        parts.append(f'<ScaleHint min="{MIN_SCALE_DENOMINATOR * diagonal:.4f}" '
                     f'max="{MAX_SCALE_DENOMINATOR * diagonal:.4f}"/>')
    return f'<Layer queryable="1" opaque="0">{"".join(parts)}</Layer>'


def _geographic(lonlat: tuple[float, ...]) -> str:
    return (f"<EX_GeographicBoundingBox><westBoundLongitude>{lonlat[0]:.6f}</westBoundLongitude>"
            f"<eastBoundLongitude>{lonlat[2]:.6f}</eastBoundLongitude><southBoundLatitude>{lonlat[1]:.6f}"
            f"</southBoundLatitude><northBoundLatitude>{lonlat[3]:.6f}</northBoundLatitude>"
            "</EX_GeographicBoundingBox>")


def _bounding_boxes(version: str, lonlat: tuple[float, ...]) -> list[str]:
    out = []
    for name in CRS_NAMES:
        if version == "1.1.1" and name == "CRS:84":
            continue
        x1, y1, x2, y2 = _bbox_in(name, lonlat)
        if version == "1.3.0" and name == "EPSG:4326":  # EPSG axis order: latitude first
            x1, y1, x2, y2 = y1, x1, y2, x2
        digits = 6 if name in ("EPSG:4326", "CRS:84") else 2
        attr = "CRS" if version == "1.3.0" else "SRS"
        out.append(f'<BoundingBox {attr}="{name}" minx="{x1:.{digits}f}" miny="{y1:.{digits}f}" '
                   f'maxx="{x2:.{digits}f}" maxy="{y2:.{digits}f}"/>')
    return out


def capabilities(version: str, url: str, reader: PublicationReader) -> bytes:
    """The capabilities document of ``version`` for the service at ``url``."""
    new = version == "1.3.0"
    extents = {POI: _lonlat_extent(reader, POI), POLICY: _lonlat_extent(reader, POLICY)}
    sequence = _update_sequence(reader)
    union = (min(e[0] for e in extents.values()), min(e[1] for e in extents.values()),
             max(e[2] for e in extents.values()), max(e[3] for e in extents.values()))
    keywords = "".join(f"<Keyword>{escape(k)}</Keyword>" for k in KEYWORDS)
    service = (f"<Service><Name>{SERVICE_NAME if new else 'OGC:WMS'}</Name>"
               f"<Title>{escape(SERVICE_TITLE)}</Title>"
               f"<Abstract>{escape(SERVICE_ABSTRACT)}</Abstract>"
               f"<KeywordList>{keywords}</KeywordList>{_online(url)}"
               "<ContactInformation><ContactPersonPrimary><ContactPerson/>"
               f"<ContactOrganization>{escape(PROVIDER)}</ContactOrganization>"
               "</ContactPersonPrimary></ContactInformation>"
               f"<Fees>{escape(FEES)}</Fees>"
               f"<AccessConstraints>{escape(ACCESS_CONSTRAINTS)}</AccessConstraints>")
    if new:
        service += (f"<LayerLimit>{MAX_LAYERS}</LayerLimit><MaxWidth>{MAX_SIZE}</MaxWidth>"
                    f"<MaxHeight>{MAX_SIZE}</MaxHeight>")
    service += "</Service>"
    caps_format = "text/xml" if new else "application/vnd.ogc.wms_xml"
    legend_tag = "sld:GetLegendGraphic" if new else "GetLegendGraphic"
    request = ("<Request>" + _operation("GetCapabilities", (caps_format,), url)
               + _operation("GetMap", ADVERTISED_MAP_FORMATS, url)
               + _operation("GetFeatureInfo", ADVERTISED_INFO_FORMATS, url)
               + _operation(legend_tag, ("image/png",), url) + "</Request>")
    exceptions = ("XML", "INIMAGE", "BLANK") if new else (
        "application/vnd.ogc.se_xml", "application/vnd.ogc.se_inimage",
        "application/vnd.ogc.se_blank")
    exception = "<Exception>" + "".join(f"<Format>{f}</Format>" for f in exceptions) + \
        "</Exception>"
    crs_tag = "CRS" if new else "SRS"
    names = CRS_NAMES if new else CRS_NAMES[:-1]
    root = [f"<Title>{escape(SERVICE_TITLE)}</Title>",
            f"<Abstract>{escape(SERVICE_ABSTRACT)}</Abstract>",
            *(f"<{crs_tag}>{n}</{crs_tag}>" for n in names)]
    if new:
        root.append(_geographic(union))
    else:
        root.append('<LatLonBoundingBox minx="{:.6f}" miny="{:.6f}" maxx="{:.6f}" '
                    'maxy="{:.6f}"/>'.format(*union))
    root += _bounding_boxes(version, union)
    children = "".join(_layer(layer, version, url, extents[layer.dataset])
                       for layer in layers())
    layer_xml = f"<Layer>{''.join(root)}{children}</Layer>"
    body = f"<Capability>{request}{exception}{layer_xml}</Capability>"
    if new:
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<WMS_Capabilities version="1.3.0"{sequence} xmlns="{WMS_NS}" '
                f'xmlns:sld="{SLD_NS}" '
                'xmlns:xlink="http://www.w3.org/1999/xlink" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{SCHEMAS}">{service}{body}</WMS_Capabilities>\n').encode()
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<!DOCTYPE WMT_MS_Capabilities SYSTEM "{DTD}">\n'
            f'<WMT_MS_Capabilities version="1.1.1"{sequence}>'
            f"{service}{body}</WMT_MS_Capabilities>\n").encode()


def get_capabilities(version: str, url: str, reader: PublicationReader) -> Response:
    """The capabilities response (revalidated each time: extents follow the publication)."""
    media = "text/xml; charset=utf-8" if version == "1.3.0" else \
        "application/vnd.ogc.wms_xml; charset=utf-8"
    return Response(200, media, capabilities(version, url, reader),
                    {"Cache-Control": "no-cache"})
