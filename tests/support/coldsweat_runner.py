"""Runs coldsweat's command line with its favicon service stubbed out, so that nothing a
test starts reaches beyond 127.0.0.1 (coldsweat asks a public service for each feed's icon)."""
import sys

import coldsweat.fetcher as fetcher
from coldsweat.models import Feed

fetcher.Fetcher._favicon_fetcher = lambda self, url: Feed.DEFAULT_ICON

from coldsweat import cli  # noqa: E402

sys.exit(cli())
