"""Microsoft's own public clients, which libraries use by default: every tenant knows them."""

from __future__ import annotations

from mockgraph.state.fixtures import FixtureApp

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # azure-identity's default client id
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools

# Every delegated Graph permission mockgraph knows (presence and directory): the first-party
# clients are pre-consented for all of them in every tenant; a fixture app with the same id
# overrides them.
KNOWN_DELEGATED = [
    "Presence.Read",
    "Presence.Read.All",
    "Presence.ReadWrite",
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "ProfilePhoto.Read.All",
    "GroupMember.Read.All",
    "Directory.Read.All",
]


def _public_client(app_id: str, name: str) -> FixtureApp:
    return FixtureApp(
        appId=app_id,
        displayName=name,
        isPublicClient=True,
        delegatedPermissions=KNOWN_DELEGATED,
        redirectUris=["http://localhost"],
        identifierUris=[],
        exposedScopes=[],
    )


FIRST_PARTY: dict[str, FixtureApp] = {
    AZURE_CLI: _public_client(AZURE_CLI, "Microsoft Azure CLI"),
    GRAPH_CLI: _public_client(GRAPH_CLI, "Microsoft Graph Command Line Tools"),
}
