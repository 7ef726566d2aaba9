"""Channel adapters: Telegram, Zalo OA, Zalo Bot Platform, web chat and console."""
