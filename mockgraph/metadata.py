"""GET /{version}/$metadata: the CSDL of what mockgraph serves, in Graph's names."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mockgraph.gateway import GraphRequest, Operation, Reply, Routes

XML = b"application/xml;charset=utf-8"


EDM = "http://docs.oasis-open.org/odata/ns/edm"
EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
P = "graph.presence"
# (name, members) of each enum type.
_ENUMS = (
    ("bodyType", ("text", "html")),
    ("workLocationType", ("unknown", "office", "remote", "timeOff", "unknownFutureValue")),
    ("workLocationSource", ("none", "manual", "scheduled", "automatic", "unknownFutureValue")),
)
# (name, ((property, type, nullable), ...)) of each complex type.
Members = tuple[tuple[str, str, bool], ...]
_COMPLEX: tuple[tuple[str, Members], ...] = (
    ("itemBody", (("content", "Edm.String", True), ("contentType", "graph.bodyType", True))),
    ("dateTimeTimeZone", (("dateTime", "Edm.String", False), ("timeZone", "Edm.String", True))),
    (
        "outOfOfficeSettings",
        (("isOutOfOffice", "Edm.Boolean", True), ("message", "Edm.String", True)),
    ),
    (
        "presenceStatusMessage",
        (
            ("expiryDateTime", "graph.dateTimeTimeZone", True),
            ("message", "graph.itemBody", True),
            ("publishedDateTime", "Edm.DateTimeOffset", True),
        ),
    ),
    (
        "userWorkLocation",
        (
            ("placeId", "Edm.String", True),
            ("source", "graph.workLocationSource", True),
            ("workLocationType", "graph.workLocationType", True),
        ),
    ),
)
_PRESENCE: Members = (
    ("activity", "Edm.String", True),
    ("availability", "Edm.String", True),
    ("outOfOfficeSettings", "graph.outOfOfficeSettings", True),
    ("sequenceNumber", "Edm.String", True),
    ("statusMessage", "graph.presenceStatusMessage", True),
    ("workLocation", "graph.userWorkLocation", True),
)
_SUBSCRIPTION: Members = (
    ("changeType", "Edm.String", False),
    ("clientState", "Edm.String", True),
    ("expirationDateTime", "Edm.DateTimeOffset", False),
    ("includeResourceData", "Edm.Boolean", True),
    ("lifecycleNotificationUrl", "Edm.String", True),
    ("notificationUrl", "Edm.String", False),
    ("resource", "Edm.String", False),
)
_DURATION = ("expirationDuration", "Edm.Duration", True)
_LOCATION: Members = (
    ("workLocationType", "graph.workLocationType", False),
    ("placeId", "Edm.String", True),
)
# (name, bound to, parameters, return type) of each action mockgraph serves.
_ACTIONS: tuple[tuple[str, str, Members, str | None], ...] = (
    (
        "setPresence",
        P,
        (
            ("sessionId", "Edm.String", False),
            ("availability", "Edm.String", False),
            ("activity", "Edm.String", False),
            _DURATION,
        ),
        None,
    ),
    ("clearPresence", P, (("sessionId", "Edm.String", True),), None),
    (
        "setUserPreferredPresence",
        P,
        (("availability", "Edm.String", False), ("activity", "Edm.String", False), _DURATION),
        None,
    ),
    ("clearUserPreferredPresence", P, (), None),
    ("setStatusMessage", P, (("statusMessage", "graph.presenceStatusMessage", True),), None),
    ("setManualLocation", P, _LOCATION, None),
    ("setAutomaticLocation", P, _LOCATION, None),
    ("clearAutomaticLocation", P, (), None),
    ("clearLocation", P, (), None),
    (
        "getPresencesByUserId",
        "graph.cloudCommunications",
        (("ids", "Collection(Edm.String)", False),),
        "Collection(graph.presence)",
    ),
)


def _properties(parent: ET.Element, tag: str, items: Members) -> None:
    for name, kind, nullable in items:
        attributes = {"Name": name, "Type": kind}
        if not nullable:
            attributes["Nullable"] = "false"
        ET.SubElement(parent, tag, attributes)


def _entity(schema: ET.Element, name: str, base: str | None, **extra: str) -> ET.Element:
    attributes = {"Name": name, **({"BaseType": base} if base else {}), **extra}
    return ET.SubElement(schema, "EntityType", attributes)


def build_csdl() -> bytes:
    """The CSDL (OData 4.0) of the presence API, users' presence and subscriptions."""
    root = ET.Element("edmx:Edmx", {"Version": "4.0", "xmlns:edmx": EDMX})
    services = ET.SubElement(root, "edmx:DataServices")
    schema = ET.SubElement(
        services, "Schema", {"Namespace": "microsoft.graph", "Alias": "graph", "xmlns": EDM}
    )
    for name, values in _ENUMS:
        enum = ET.SubElement(schema, "EnumType", {"Name": name})
        for value, member in enumerate(values):
            ET.SubElement(enum, "Member", {"Name": member, "Value": str(value)})
    entity = _entity(schema, "entity", None, Abstract="true")
    ET.SubElement(ET.SubElement(entity, "Key"), "PropertyRef", {"Name": "id"})
    _properties(entity, "Property", (("id", "Edm.String", False),))
    _entity(schema, "directoryObject", "graph.entity", OpenType="true")
    user = _entity(schema, "user", "graph.directoryObject", OpenType="true")
    ET.SubElement(
        user, "NavigationProperty", {"Name": "presence", "Type": P, "ContainsTarget": "true"}
    )
    _properties(_entity(schema, "presence", "graph.entity"), "Property", _PRESENCE)
    communications = _entity(schema, "cloudCommunications", "graph.entity")
    ET.SubElement(
        communications,
        "NavigationProperty",
        {"Name": "presences", "Type": f"Collection({P})", "ContainsTarget": "true"},
    )
    _properties(_entity(schema, "subscription", "graph.entity"), "Property", _SUBSCRIPTION)
    for name, members in _COMPLEX:
        _properties(ET.SubElement(schema, "ComplexType", {"Name": name}), "Property", members)
    for name, bound, parameters, returns in _ACTIONS:
        action = ET.SubElement(schema, "Action", {"Name": name, "IsBound": "true"})
        _properties(action, "Parameter", (("bindingParameter", bound, True), *parameters))
        if returns is not None:
            ET.SubElement(action, "ReturnType", {"Type": returns})
    container = ET.SubElement(schema, "EntityContainer", {"Name": "GraphService"})
    ET.SubElement(container, "EntitySet", {"Name": "users", "EntityType": "graph.user"})
    ET.SubElement(
        container, "EntitySet", {"Name": "subscriptions", "EntityType": "graph.subscription"}
    )
    ET.SubElement(container, "Singleton", {"Name": "me", "Type": "graph.user"})
    ET.SubElement(
        container, "Singleton", {"Name": "communications", "Type": "graph.cloudCommunications"}
    )
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


_CSDL = build_csdl()


def register(routes: Routes) -> None:
    """GET /{version}/$metadata, which Graph serves without a token."""
    routes.add(Operation("GET", "/$metadata", get_metadata, public=True))


# Graph: GET /{version}/$metadata
def get_metadata(request: GraphRequest) -> Reply:
    """The CSDL document, for the doctor and for clients that read the service's metadata."""
    return Reply(200, _CSDL, XML)
