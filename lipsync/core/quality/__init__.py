"""Quality: measuring how well a video follows its speech, and showing it (plots, videos)."""
