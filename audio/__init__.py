"""Loudspeaker audio: speech-ready text, TTS engines, clips, bulletins and the clip library."""
