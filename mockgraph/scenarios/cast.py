"""The users a scenario plays with: the tenant's own first, then people drawn from a seed."""

from __future__ import annotations

import random
import uuid
from importlib import resources

from mockgraph.domain.user import Profile
from mockgraph.state.fixtures import SeedUser
from mockgraph.state.store import Tenant, seed_user

_GIVEN = (
    "Ada Amir Ana Ben Chen Chloe Dara Diego Elif Emma Farah Felix Grace Hana Ivan Isla Jamal "
    "Jonas Kai Keiko Lars Lena Leo Maya Mei Nia Noah Omar Olga Priya Rafael Rosa Sam Sofia "
    "Tariq Theo Uma Vera Wei Yara Yusuf Zoe"
).split()
_FAMILY = (
    "Adeyemi Bauer Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen "
    "Martin Nakamura Novak Okafor Patel Quinn Rossi Santos Schmidt Silva Tanaka Umar Varga "
    "Wagner Xu Yilmaz Zhang"
).split()
_DEPARTMENTS = ("Sales", "Support", "Engineering", "Finance", "Marketing", "Operations")
# The fixtures' silhouettes in their five colours, without their owners' initials: a drawn
# person's photo must not show another person's (Chen Bauer's read "LG", Lee Gu's).
_PHOTOS = ("person-1.jpg", "person-2.jpg", "person-3.jpg", "person-4.jpg", "person-5.jpg")


def photo_path(name: str) -> str:
    return str(resources.files("mockgraph") / "photos" / name)


def drawn_profile(rng: random.Random, number: int, domain: str) -> Profile:
    """One person: name, UPN, department and photo drawn from `rng`, in a fixed order."""
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    user_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    department = rng.choice(_DEPARTMENTS)
    photo = rng.choice(_PHOTOS)
    upn = f"{given}.{family}{number}@{domain}".lower()
    return Profile(
        id=user_id,
        userPrincipalName=upn,
        displayName=f"{given} {family}",
        mail=upn,
        givenName=given,
        surname=family,
        department=department,
        jobTitle="Agent" if department == "Support" else None,
        photo=photo_path(photo),
    )


def cast(tenant: Tenant, size: int, seed: int) -> list[str]:
    """The ids of `size` users of the tenant: its users in order, then new ones, made the same
    way for the same seed (users the tenant lacks are added to it)."""
    ids = list(tenant.users)[:size]
    missing = size - len(ids)
    if missing <= 0:
        return ids
    rng = random.Random(f"cast:{seed}")
    first = next(iter(tenant.users.values()), None)
    domain = first.user_principal_name.rsplit("@", 1)[-1] if first else "mockgraph.local"
    now = tenant.clock.timestamp()
    added = []
    for number in range(len(ids), size):
        profile = drawn_profile(rng, number, domain)
        seed_record = SeedUser(profile, None, None, (False, None))
        added.append((profile.id, seed_user(seed_record, now)))
    tenant.users.update(added)
    return ids + [user_id for user_id, _ in added]
