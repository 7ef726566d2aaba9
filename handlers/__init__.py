"""Conversation handlers, one module per citizen task; here only the order of their routers.

Each module declares what it takes in its `router`: a new task is a new module and its line
below."""

from __future__ import annotations

from functools import partial

from handlers import (
    contacts,
    fallback,
    faq,
    household_check,
    intents,
    legal_aid,
    listen,
    locality,
    menu,
    questions,
    subscriptions,
    supports,
)
from handlers.routing import dispatch

# Typed text is tried stage by stage (handlers/routing.Stage), and within a stage in this order.
ROUTERS = (
    subscriptions.router,
    menu.router,
    household_check.router,
    legal_aid.router,
    supports.router,
    questions.router,
    locality.router,
    fallback.router,
    intents.router,
    listen.router,
    contacts.router,
    faq.router,
)

route = partial(dispatch, routers=ROUTERS)

__all__ = ["ROUTERS", "route"]
