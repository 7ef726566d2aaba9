"""Per-channel tests: each adapter against its platform's fake on loopback."""
