"""docs/contributions.md agrees with the data: the table of every figure is the data files, rendered."""

from pathlib import Path

from sijaga.contributions.rates import RateRow, table_from_files

DOC = Path(__file__).resolve().parents[4] / "docs" / "contributions.md"


def render_table(rates: list[RateRow]) -> str:
    columns = ["file", "key", "kind", "segment", "programme", "party", "class", "figure", "months", "regulation",
               "article", "verified"]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for r in rates:
        programme = r.programme + (f" ← {r.from_programme}" if r.from_programme else "")
        figure = r.figure + (" of the capped wage" if r.capped else "")
        figure += " if labour-intensive" if r.condition else ""
        lines.append(
            f"| {r.schedule} | {r.key} | {r.kind} | {r.segment} | {programme} | {r.party or '—'} | "
            f"{r.risk_class or '—'} | {figure} | {r.valid_from} – {r.valid_to or '…'} | {r.regulation} | "
            f"{r.article or '—'} | {'yes' if r.verified else '**no**'} |"
        )
    return "\n".join(lines)


def test_the_table_of_every_figure_is_the_data():
    doc = DOC.read_text()
    table = doc.split("<!-- rates-table -->\n")[1].split("\n<!-- /rates-table -->")[0]
    assert table == render_table(list(table_from_files())), "regenerate the table in docs/contributions.md"


def test_the_doc_lists_every_unverified_row():
    doc = DOC.read_text().split("## Open questions")[1]
    for r in table_from_files():
        if not r.verified:
            assert f"`{r.schedule}`" in doc, f"{r.schedule}:{r.key} is flagged but not discussed"
