"""The cross-cutting steps MockGraphApp (app.py) runs on a request, each in its own module.

In order: the request log wraps any call outside Graph (request_log.py; a Graph call's line
comes from its journal entry), CORS answers a preflight or lets the origin read the answer
(cors.py); a Graph call then goes straight to the gateway. Any other call meets the body-size
limit (body_limit.py) and the admin-key gate (admin_key.py) before FastAPI.
"""
