"""The committed goldens are current: regenerating them from the mirror's real code changes no byte. Skipped without
a mirror (tests/mirror.py says how to provide one); tests/test_goldens.py checks the tool against them either way."""

from tests import goldens, mirror


def test_regenerating_the_goldens_from_the_mirror_changes_nothing(tmp_path):
    goldens.generate(mirror.require(), tmp_path)
    diff = goldens.differences(goldens.files(goldens.GOLDEN), goldens.files(tmp_path))
    assert not diff, f"goldens are stale; run {goldens.REGENERATE}:\n" + "".join(diff[:80])
