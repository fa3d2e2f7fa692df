"""The demo bank is real customer-support material, and its items are fair to candidates.

These read the YAML directly, so a content edit is checked without a database.
"""

import re
from collections import Counter
from itertools import combinations

import pytest
import yaml

from demo.bank import DEMO_BANK_DIR, demo_bank_entries

ENTRIES = demo_bank_entries()
SINGLE = [e for e in ENTRIES if e["type"] == "single"]
CHOICE = [e for e in ENTRIES if e["type"] in ("single", "multiple")]


def _words(html: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", re.sub(r"<[^>]+>", " ", html).lower())


def _shingles(html: str) -> set[tuple[str, ...]]:
    words = _words(html)
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def test_the_bank_is_large_enough_for_every_exam():
    count = Counter((e["standard"], e["domain"] if e["standard"] == "CSS" else e.get("level")) for e in ENTRIES)
    css = {domain: n for (standard, domain), n in count.items() if standard == "CSS"}
    assert sum(css.values()) >= 300
    assert css["PRO"] >= 90 and css["SKL"] >= 90 and css["PRC"] >= 120
    ccsm_areas = Counter(e["domain"] for e in ENTRIES if e["standard"] == "CCSM")
    assert sum(ccsm_areas.values()) >= 150 and len(ccsm_areas) == 6
    assert min(ccsm_areas.values()) >= 20
    for level in (3, 4, 5):
        assert count[("CSMG", level)] >= 75, level


def test_every_competency_is_covered(standards_loaded):
    from standards.models import Competency

    covered = {e["competency"] for e in ENTRIES}
    for standard in ("CSS", "CCSM", "CSMG"):
        codes = set(Competency.objects.filter(domain__standard__code=standard).values_list("code", flat=True))
        assert codes <= covered, sorted(codes - covered)
    for level in (3, 4, 5):
        at_level = {e["competency"] for e in ENTRIES if e["standard"] == "CSMG" and e["level"] == level}
        assert len(at_level) == 6, level


def test_refs_are_unique_and_every_item_has_a_rationale_and_feedback():
    refs = [e["ref"] for e in ENTRIES]
    assert len(refs) == len(set(refs))
    for entry in ENTRIES:
        assert len(entry["rationale"].split()) >= 8, entry["ref"]
        assert all(option.get("feedback", "").strip() for option in entry["options"]), entry["ref"]


def test_each_item_has_the_shape_of_its_type():
    for entry in ENTRIES:
        options, correct = entry["options"], sum(bool(o.get("correct")) for o in entry["options"])
        if entry["type"] == "single":
            assert len(options) == 4 and correct == 1, entry["ref"]
        elif entry["type"] == "multiple":
            assert 4 <= len(options) <= 6 and correct >= 2, entry["ref"]
        elif entry["type"] == "truefalse":
            assert [o["text"] for o in options] == ["True", "False"] and correct == 1, entry["ref"]
        else:
            assert entry["type"] == "ordering" and 3 <= len(options) <= 6 and correct == 0, entry["ref"]


def test_key_positions_are_spread_evenly():
    positions = Counter(next(i for i, o in enumerate(e["options"]) if o.get("correct")) for e in SINGLE)
    for position in range(4):
        share = 100 * positions[position] / len(SINGLE)
        assert 20 <= share <= 30, (position + 1, share)


def test_the_key_is_not_given_away_by_being_the_longest_option():
    def key_is_longest(entry) -> bool:
        longest = max(len(o["text"]) for o in entry["options"])
        keyed = [len(o["text"]) for o in entry["options"] if o.get("correct")]
        distractors = [len(o["text"]) for o in entry["options"] if not o.get("correct")]
        return max(keyed) == longest and max(keyed) > max(distractors)

    share = 100 * sum(key_is_longest(e) for e in CHOICE) / len(CHOICE)
    chance = (
        100 * sum(sum(bool(o.get("correct")) for o in e["options"]) / len(e["options"]) for e in CHOICE) / len(CHOICE)
    )
    assert share <= chance + 10, (share, chance)


def test_no_two_stems_are_near_duplicates():
    shingles = [(e["ref"], _shingles(e["stem"])) for e in ENTRIES]
    worst = (0.0, "", "")
    for (ref_a, a), (ref_b, b) in combinations(shingles, 2):
        if a and b:
            similarity = len(a & b) / len(a | b)
            if similarity > worst[0]:
                worst = (similarity, ref_a, ref_b)
    assert worst[0] <= 0.6, worst


def test_no_stem_is_filler():
    for entry in ENTRIES:
        words = _words(entry["stem"])
        assert len(words) >= 6, entry["ref"]
        assert not re.match(r"question \d+", " ".join(words)), entry["ref"]


@pytest.mark.parametrize("path", sorted(DEMO_BANK_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_file_parses_as_one_document_with_items(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data["items"], list) and data["items"]
