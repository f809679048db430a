"""A fact is a value with the evidence behind it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    value: str | None
    source: str  # "file:/etc/os-release", "command:lscpu", "env:VIRTUALIZATION", "option:--netdata-version", "default"
    note: str = ""  # why the value is what it is when that is not obvious (e.g. why it is unknown)
    observed: bool = True  # False: an assumption (a default of the daemon or the script), not read from the machine

    def to_json(self) -> dict:
        from audit.plumbing import jsontext

        out = {"value": self.value, "source": self.source, "note": self.note, "observed": self.observed}
        if self.value is not None and jsontext.has_raw_bytes(self.value):  # not UTF-8: keep the exact bytes too
            out.update(value=jsontext.readable(self.value), value_base64=jsontext.to_base64(self.value))
        return jsontext.clean(out)


Facts = dict[str, Fact]
