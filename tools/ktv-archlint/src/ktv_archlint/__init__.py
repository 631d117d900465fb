"""Custom import-linter contracts for K-TV.

``stdlib_only``: the source packages may import themselves, the standard
library and the listed ``allowed_modules`` - nothing else. Unlike a
``forbidden`` contract, it needs no list of third-party packages to keep out,
so a newly added dependency cannot slip into the domain unnoticed.
"""

from __future__ import annotations

import sys
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

__all__ = ["StdlibOnlyContract"]


class StdlibOnlyContract(Contract):
    type_name = "stdlib_only"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False,
                                       default=[])

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        allowed = {str(m) for m in self.allowed_modules}  # type: ignore[attr-defined]
        violations: list[dict[str, object]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            root = source.name.split(".")[0]
            for module in sorted({source.name} | graph.find_descendants(source.name)):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    top = imported.split(".")[0]
                    if top == root or top in sys.stdlib_module_names or top in allowed:
                        continue
                    details = graph.get_import_details(importer=module, imported=imported)
                    violations.append({
                        "importer": module, "imported": imported,
                        "lines": [d["line_number"] for d in details]})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            output.print_error(
                f"{v['importer']} imports {v['imported']} (line(s) {v['lines']}), "
                "which is not in the standard library", bold=False)
            output.new_line()
