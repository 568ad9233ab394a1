"""The media plane: one aiortc peer per participant, packets forwarded without re-encoding.

Start with `registry.py` (rooms, participants, forwarding); `signalling.py` checks SDP input,
`rtc_api.py` is its HTTP routes, `encoded_video.py` the passthrough of VP8 and Opus.
"""
