"""The core: reading, indexing, sessions, feedback, tailing. Never imports textual."""
