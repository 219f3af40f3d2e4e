"""A long-running reader for the cross-process tests: one Advisor, queried over stdin/stdout.

Each input line is JSON {"q": question, "mode": "bm25" | "dense" | "hybrid"}; each output line is the
JSON list of retrieved doc ids. Settings come from the ADVISOR_* environment, like any advisor process.
"""

from __future__ import annotations

import json
import sys

from advisor.service import Advisor
from advisor.settings import get_settings


def main() -> None:
    service = Advisor(get_settings())
    service.warm_up()
    print(json.dumps({"ready": service.index.chunk_count}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        found = service.retrieve(request["q"], mode=request["mode"], k=request.get("k", 5))
        print(json.dumps([r.chunk.doc_id for r in found]), flush=True)


if __name__ == "__main__":
    main()
