"""The ids and times the tests share: the bundled fixtures' users, apps and tenant."""

from __future__ import annotations

from datetime import UTC, datetime

# Users of the bundled fixtures (the first three are Graph's own examples).
ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"  # Available/Available
ALEX = "66825e03-7ef5-42da-9069-724602c31f6b"  # DoNotDisturb/Presenting
MEGAN = "dc74d9bb-6afe-433d-8eaa-e39d80d3a647"  # Away/BeRightBack
LEE = "3b1f2a4e-9c0d-4e7b-8a6f-5d2c1b0a9e88"  # Busy/InAMeeting, with a status message
NESTOR = "8e4d6c2a-1f3b-4a5c-9d7e-0b2f4a6c8e10"  # no session: Offline; out of office
PATTI = "5c7e9a1b-3d5f-4b7d-8e9f-1a3c5e7b9d21"  # no session: Offline
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# Adele's sign-in name and password (the password grant and the sign-in page).
ADELE_UPN = "adele.vance@contoso.example"
ADELE_PASSWORD = "Adele-Pa55!"
# Apps of the bundled fixtures.
BUSY_LIGHT = "4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b13"
PRESENCE_WALL = "2f4b6d8a-0c2e-4f6b-8d0a-4c6e8f0b2d46"
PRESENCE_SYNC = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
TENANT = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"

# Where the `clock` fixture stands, frozen.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_DELEGATED = ("Presence.Read", "Presence.Read.All", "Presence.ReadWrite")
