"""Reamping audio files through a preset or a chain: `neuralfx process` (one file) and
`neuralfx batch` (a folder tree), streamed, sample-aligned, atomic and resumable."""
