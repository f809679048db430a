"""Pure core: facts + event request in, the exact bytes the statistics script would POST out.

(Interface fixed; implementation in progress.)
"""

import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Payload:
    event: str  # catalog name, e.g. "FATAL"
    wire: bytes  # exactly what would be POSTed
    invalid: tuple[str, ...] = ()  # why `wire` is not valid JSON, each naming the offending field
    warnings: tuple[str, ...] = ()  # e.g. event outside the chosen version's range
    assumed: tuple[str, ...] = field(default=())  # payload properties whose value is an assumption

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.wire).hexdigest()

    @property
    def valid_json(self) -> bool:
        return not self.invalid

    def document(self) -> dict | None:
        try:
            return json.loads(self.wire.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
