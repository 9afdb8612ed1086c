"""Writers turn a festival and its timetable into published files.

Each writer is a pure function returning `{relative path: bytes}`; `publish`
writes them all atomically.
"""
