"""Question-bank interchange: QTI 3.0 and 2.x, Moodle XML, GIFT and CSV.

Imports are planned first (plan_from_file: every item with its errors, warnings and whether its
type is supported), shown, and then saved all or nothing (import_plan_apply).
"""
