"""Benchmarks, run as scripts (`.venv/bin/python bench/<name>.py`); never timed tests."""


def passing_key() -> None:
    """A data key for a benchmark's throwaway databases (storage.sealing), given to what it starts (the
    console's service reads USAR_DATA_KEY) as to itself: what it seals can't be read after."""
    import base64
    import os

    from storage import sealing

    keys = f"1:{base64.b64encode(sealing.new_key()).decode()}"
    os.environ["USAR_DATA_KEY"] = keys
    sealing.use(sealing.Keyring(sealing.parse_keys(keys)))
