"""The one aiohttp application: landing page, web chat, officers' dashboard, health check
(and, in later issues, the channel webhooks and the audio library)."""
