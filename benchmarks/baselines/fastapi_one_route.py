"""A one-route FastAPI app returning a dict: what a hand-written FastAPI mock costs."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/v1.0/users/{user_id}/presence")
async def get_presence(user_id: str) -> dict[str, object]:
    return {
        "id": user_id,
        "availability": "DoNotDisturb",
        "activity": "Presenting",
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
    }


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
