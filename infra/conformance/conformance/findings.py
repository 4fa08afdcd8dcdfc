"""What a probe reports, and the printed and JSON forms of a run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass
class Finding:
    # The short name, as README's assumptions table cites it (`conformance: <name>`).
    name: str
    assumption: str
    # What the service did, in a sentence.
    observed: str
    # True: as the product assumes; False: the alternative; None: not probed or inconclusive.
    as_assumed: bool | None
    # What the product does in the observed case.
    product: str
    # Whether that is acceptable; a run fails when any finding is not.
    ok: bool

    @property
    def verdict(self) -> str:
        if self.as_assumed is None:
            return "not settled"
        return "as assumed" if self.as_assumed else "ALTERNATIVE"


def print_report(findings: list[Finding]) -> None:
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        print(f"[{mark}] {f.name}: {f.verdict}")
        print(f"       assumption: {f.assumption}")
        print(f"       observed:   {f.observed}")
        print(f"       product:    {f.product}")
    failed = [f.name for f in findings if not f.ok]
    settled = sum(f.as_assumed is not None for f in findings)
    print(f"{len(findings)} assumptions, {settled} settled, "
          f"{sum(f.as_assumed is False for f in findings)} alternative, {len(failed)} not handled"
          + (f": {', '.join(failed)}" if failed else ""))


def write_json(path: str, findings: list[Finding]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump([asdict(f) | {"verdict": f.verdict} for f in findings], out, indent=2)
