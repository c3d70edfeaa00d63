"""Forms of the budget pages: the simulator (one row per category), the allocation with its evidence, the review."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sijaga.budget import rules
from sijaga.budget.models import DocumentType
from sijaga.contributions.rates import PROGRAMMES
from sijaga.enrollment.rules import PROGRAMME_NAMES


def next_year() -> int:
    return timezone.localdate().year + 1


class SimulatorForm(forms.Form):
    region = forms.CharField(
        label=_("Kode wilayah anggaran"),
        max_length=13,
        help_text=_("Provinsi (64), kabupaten/kota (64.71) atau desa (64.71.01.1001)."),
    )
    year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2020, max_value=2100)
    programmes = forms.MultipleChoiceField(
        label=_("Program"), choices=[(p, PROGRAMME_NAMES[p]) for p in PROGRAMMES], widget=forms.CheckboxSelectMultiple
    )
    include_enrolled = forms.BooleanField(label=_("Termasuk peserta yang sudah terdaftar"), required=False)
    amount = forms.IntegerField(label=_("Pagu yang tersedia (Rp, pilihan)"), required=False, min_value=0,
                                max_value=rules.MAX_ALLOCATION)  # fmt: skip
    title = forms.CharField(label=_("Judul rencana"), max_length=200, required=False)
    note = forms.CharField(label=_("Catatan versi"), max_length=300, required=False)
    plan = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = next_year()
        self.fields["programmes"].initial = list(rules.DEFAULT_PROGRAMMES)
        self.fields["include_enrolled"].initial = True
        for category in rules.CATEGORIES:
            default = rules.CATEGORY_DEFAULTS[category]
            label = rules.CATEGORY_LABELS[category]
            self.fields[f"{category}_people"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=10_000_000, initial=0
            )
            self.fields[f"{category}_income"] = forms.IntegerField(
                label=_("Penghasilan sebulan (Rp)"), required=False, min_value=1, max_value=1_000_000_000,
                initial=default.income,
            )  # fmt: skip
            self.fields[f"{category}_source"] = forms.ChoiceField(
                label=_("Sumber dana"), choices=list(rules.SOURCE_LABELS.items()), required=False
            )

    def clean_programmes(self):
        chosen = self.cleaned_data["programmes"]
        if not {"jkk", "jkm"} <= set(chosen):
            raise forms.ValidationError(_("Program paling sedikit JKK dan JKM."))
        return chosen

    def category_rows(self):
        return [
            (rules.CATEGORY_LABELS[c], rules.CATEGORY_DEFAULTS[c].segment.upper(), self[f"{c}_people"],
             self[f"{c}_income"], self[f"{c}_source"])
            for c in rules.CATEGORIES
        ]  # fmt: skip

    def targets(self, region_code: str):
        from sijaga.budget.services import Target

        d = self.cleaned_data
        fallback = rules.default_source(rules.region_level(region_code))
        return [
            Target(c, d.get(f"{c}_people") or 0, d.get(f"{c}_income") or rules.CATEGORY_DEFAULTS[c].income,
                   d.get(f"{c}_source") or fallback)
            for c in rules.CATEGORIES
        ]  # fmt: skip

    @staticmethod
    def initial_from(region: str, inputs: dict, plan_id: int | None = None) -> dict:
        data = {"region": region, "year": inputs.get("year"), "programmes": inputs.get("programmes", []),
                "include_enrolled": inputs.get("include_enrolled", True), "plan": plan_id}  # fmt: skip
        for t in inputs.get("targets", []):
            data[f"{t['category']}_people"] = t["people"]
            data[f"{t['category']}_income"] = t["income"]
            data[f"{t['category']}_source"] = t["source"]
        return data


class AllocationForm(forms.Form):
    region = forms.CharField(label=_("Kode wilayah anggaran"), max_length=13)
    year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2020, max_value=2100)
    document_type = forms.ChoiceField(label=_("Jenis dokumen"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Nomor dokumen"), max_length=100)
    document_date = forms.DateField(label=_("Tanggal dokumen"), widget=forms.DateInput(attrs={"type": "date"}))
    account_code = forms.CharField(label=_("Kode rekening"), max_length=60)
    amount = forms.IntegerField(label=_("Jumlah dianggarkan (Rp)"))
    evidence = forms.FileField(label=_("Bukti (PDF atau gambar, paling besar 20 MB)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))  # fmt: skip
    plan_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = next_year()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", _("Verifikasi")), ("reject", _("Tolak"))])
    reason = forms.CharField(label=_("Alasan (wajib bila ditolak)"), max_length=300, required=False)


class BuysForm(forms.Form):
    amount = forms.IntegerField(label=_("Pagu yang tersedia (Rp)"), min_value=1, max_value=rules.MAX_ALLOCATION)
    year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2020, max_value=2100)
    order = forms.CharField(
        label=_("Urutan prioritas"),
        required=False,
        max_length=200,
        help_text=_("Kode kategori dipisah koma; bawaan: perangkat desa, RT/RW, pekerja rentan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = next_year()
        self.fields["order"].initial = ",".join(rules.DEFAULT_PRIORITY)

    def clean_order(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("order") or ""
        order = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
        unknown = [c for c in order if c not in rules.CATEGORIES]
        if unknown:
            raise forms.ValidationError(_("Kategori tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)})
        return order + tuple(c for c in rules.DEFAULT_PRIORITY if c not in order)
