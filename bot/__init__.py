"""The core: messages, the Channel interface, fitting replies, core, outbox, announcements."""
