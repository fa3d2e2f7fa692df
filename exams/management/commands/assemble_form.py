import json

from django.core.management.base import BaseCommand, CommandError

from exams.assembly import AssemblyError
from exams.models import CertificationProgram
from exams.programs import program_forms


class Command(BaseCommand):
    help = (
        "Assembles forms for a program from the current approved bank, with exposure control across "
        "them, and prints them. Saves nothing: for checking a blueprint against the bank."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="Program code, e.g. CSS.")
        parser.add_argument("--seed", type=int, required=True, help="The same seed and bank give the same forms.")
        parser.add_argument("--count", type=int, default=1, help="How many forms (default 1).")
        parser.add_argument("--json", action="store_true", help="Print the forms as JSON.")

    def handle(self, *args, program: str, seed: int, count: int, json: bool, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        found = CertificationProgram.objects.filter(code=program).first()
        if found is None:
            known = ", ".join(CertificationProgram.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"Unknown program {program!r}. Programs: {known}.")
        try:
            forms, pool = program_forms(program=found, seed=seed, count=count)
        except AssemblyError as error:
            raise CommandError(f"{found.code} cannot be assembled: {error.message}") from error
        if json:
            self.stdout.write(_dumps({"program": found.code, "seed": seed, "forms": [f.as_json(pool) for f in forms]}))
            return
        difficulty = {item.item_id: item.difficulty for item in pool.items}
        for number, form in enumerate(forms, start=1):
            per_domain: dict[str, int] = {}
            for slot in form.slots:
                name = pool.domains[slot.domain_id][1]
                per_domain[name] = per_domain.get(name, 0) + 1
            mean = sum(difficulty.get(s.item_id, 0) for s in form.slots) / len(form.slots)
            counts = ", ".join(f"{name}: {n}" for name, n in per_domain.items())
            self.stdout.write(f"Form {number}: {len(form.slots)} items ({counts}); mean difficulty {mean:.2f}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
