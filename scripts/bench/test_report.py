"""Checks of report.py's block placement (run by scripts/test.sh)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

NEW = """# Benchmarks

## 1. One

generated

## 3. Notebooks

KEPT_BLOCK_PLACEHOLDER:notebooks

## 5. Five

KEPT_BLOCK_PLACEHOLDER:https

## Method and fairness

end
"""

OLD = """# Benchmarks

## 1. One

old text

## 3. Notebooks

<!-- notebooks:begin -->
N
<!-- notebooks:end -->

<!-- notebooks-note:begin -->
about N
<!-- notebooks-note:end -->

## 5. Five

<!-- https:begin -->
H
<!-- https:end -->

## 6. Web

<!-- web:begin -->
W
<!-- web:end -->

<!-- web-note:begin -->
about W
<!-- web-note:end -->

## Method and fairness

old end
"""


class PlaceBlocks(unittest.TestCase):
    def test_every_block_once_in_its_place(self):
        placed = report.place_blocks(NEW, OLD)
        self.assertEqual(placed.count("## 6. Web"), 1, placed)
        for name in ("notebooks", "notebooks-note", "https", "web", "web-note"):
            self.assertEqual(placed.count(f"<!-- {name}:begin -->"), 1, placed)
        order = ["## 3. Notebooks", "<!-- notebooks:begin -->", "<!-- notebooks-note:begin -->",
                 "## 5. Five", "<!-- https:begin -->", "## 6. Web", "<!-- web:begin -->",
                 "<!-- web-note:begin -->", "## Method and fairness"]
        positions = [placed.index(mark) for mark in order]
        self.assertEqual(positions, sorted(positions), placed)
        # Written again over its own output, nothing moves.
        self.assertEqual(report.place_blocks(NEW, placed), placed)


if __name__ == "__main__":
    unittest.main()
