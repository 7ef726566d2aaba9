"""A fake of Google's TTS endpoint as gTTS calls it (the batchexecute RPC), on 127.0.0.1. It
answers with a real MP3: a quiet tone whose length follows the text, far below broadcast level,
so the clip pipeline must normalise it. It can be told to fail."""

from __future__ import annotations

import base64
import json
import urllib.parse

import numpy as np
from aiohttp import web

from audio.clips import RATE, encode_mp3


class FakeGoogleTTS:
    path = "/_/TranslateWebserverUi/data/batchexecute"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_with: int | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self.path, self._rpc)
        return app

    async def _rpc(self, request: web.Request) -> web.Response:
        form = urllib.parse.parse_qs(await request.text())
        rpc = json.loads(form["f.req"][0])
        text, lang = json.loads(rpc[0][0][1])[:2]
        self.requests.append({"text": text, "lang": lang})
        if self.fail_with:
            return web.Response(status=self.fail_with, text="unavailable")
        seconds = max(0.5, len(text) / 15)
        t = np.arange(int(seconds * RATE)) / RATE
        tone = 0.03 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
        audio = base64.b64encode(encode_mp3(tone.astype(np.float32))).decode()
        line = '[["wrb.fr","jQ1olc","[\\"' + audio + '\\"]",null,null,null,"generic"]]'
        return web.Response(text=")]}'\n\n" + str(len(line)) + "\n" + line + "\n")
