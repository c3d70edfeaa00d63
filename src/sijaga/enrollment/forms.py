"""Forms for enrolment. Validation rules come from the services; forms only shape the input."""

import uuid

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sijaga.enrollment.models import EndReason, FundingSource, MembershipStatus, PayerKind, Segment
from sijaga.enrollment.rules import PROGRAMME_LABELS, PROGRAMMES, SEGMENT_RULES
from sijaga.registry.models import Gender, TargetCategory


class RupiahField(forms.Field):
    """Accepts `1500000`, `1.500.000`, `Rp1.500.000` or `Rp 1.500.000,00`; returns integer Rupiah."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("mis. 3.500.000")})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).replace("Rp", "").replace("rp", "").replace(" ", "").replace("\u00a0", "")
        if "," in text:
            whole, _sep, cents = text.partition(",")
            if cents.strip("0"):
                raise forms.ValidationError(_("Rupiah tidak memakai sen; isi bilangan bulat."))
            text = whole
        text = text.replace(".", "")
        if not text.isdigit():
            raise forms.ValidationError(_("Isi jumlah Rupiah dengan angka, mis. 2.500.000."))
        return int(text)


def payer_option(payer) -> tuple[int, str, str]:
    """(value, text, detail) of one payer in the picker."""
    return payer.pk, payer.name, f"{payer.code} · {payer.region.name} · {payer.get_funding_source_display()}"


class MembershipFieldsMixin(forms.Form):
    payer = forms.IntegerField(
        label=_("Pembayar iuran"),
        error_messages={"required": _("Pilih pembayar iuran."), "invalid": _("Pilih pembayar iuran.")},
    )
    segment = forms.ChoiceField(label=_("Segmen"), choices=Segment.choices, initial=Segment.PU)
    programmes = forms.MultipleChoiceField(
        label=_("Program"),
        choices=[
            (p, format_lazy("{} {}", PROGRAMME_LABELS[p], _("(wajib)")) if p in ("jkk", "jkm") else PROGRAMME_LABELS[p])
            for p in PROGRAMMES
        ],
        initial=["jkk", "jkm"],
        widget=forms.CheckboxSelectMultiple,
    )
    wage = RupiahField(label=_("Upah/penghasilan per bulan (Rp)"))
    start_date = forms.DateField(label=_("Mulai kepesertaan"), widget=forms.DateInput(attrs={"type": "date"}))
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_double_funding = forms.BooleanField(
        label=_("Saya sudah memeriksa: tenaga kerja ini memang dibiayai oleh dua pemerintah daerah"), required=False
    )

    def __init__(self, *args, payers=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.payers, self.actor = payers, actor  # a queryset: never listed whole (75,000 payers nationally)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)

    def clean_payer(self):
        pk = self.cleaned_data["payer"]
        if self.payers is None or not self.payers.filter(pk=pk).exists():
            raise forms.ValidationError(_("Pilih pembayar iuran dari daftar."))
        return pk

    def payer_picker(self) -> dict:
        """The picker's context: the words typed, the chosen payer first, then at most 20 matches."""
        from django.urls import reverse

        from sijaga.enrollment.selectors import search_payers

        source = self.data if self.is_bound else self.initial
        query = str(source.get("payer_q") or "")
        selected = str(source.get("payer") or "")
        found, hint = search_payers(self.actor, query) if self.actor is not None else ([], "")
        options = [payer_option(p) for p in found]
        if selected.isdigit() and all(str(o[0]) != selected for o in options) and self.payers is not None:
            options = [payer_option(p) for p in self.payers.filter(pk=int(selected))] + options
        return {
            "name": "payer", "label": self.fields["payer"].label, "url": reverse("enrollment:payer_options"),
            "query": query, "selected": selected, "options": [(str(v), t, d) for v, t, d in options], "hint": hint,
            "errors": self["payer"].errors if self.is_bound and "_search_payer" not in self.data else "",
        }  # fmt: skip

    @property
    def segment_help(self) -> str:
        """The programme rules per segment, written from `SEGMENT_RULES` (never restated by hand)."""
        labels = dict(Segment.choices)
        parts = [
            f"{labels[seg]}: {', '.join(p.upper() for p in PROGRAMMES if p in rule.allowed)}"
            for seg, rule in SEGMENT_RULES.items()
        ]
        return "; ".join(parts) + ". " + str(_("JKK dan JKM wajib."))


class EnrolForm(MembershipFieldsMixin):
    nik = forms.CharField(label=_("NIK"), max_length=32)
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    birth_date = forms.DateField(label=_("Tanggal lahir"), widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Jenis kelamin"), choices=[("", "—"), *Gender.choices])
    domicile = forms.CharField(label=_("Domisili (desa/kelurahan)"), max_length=13)
    phone = forms.CharField(label=_("Nomor HP"), max_length=20, required=False)
    category = forms.ChoiceField(label=_("Kategori sasaran"), choices=[("", "—"), *TargetCategory.choices])
    occupation = forms.CharField(label=_("Pekerjaan"), max_length=100, required=False)

    field_order = ["nik", "full_name", "birth_date", "gender", "domicile", "phone", "category", "occupation"]

    def clean_nik(self):
        return self.cleaned_data["nik"].strip()


class AddMembershipForm(MembershipFieldsMixin):
    pass


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Status baru"), choices=MembershipStatus.choices)
    reason = forms.CharField(label=_("Alasan"), max_length=300)
    end_reason = forms.ChoiceField(label=_("Alasan berakhir"), choices=[("", "—"), *EndReason.choices], required=False)
    end_date = forms.DateField(
        label=_("Tanggal berakhir"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PayerForm(forms.Form):
    code = forms.SlugField(
        label=_("Kode"), max_length=40, help_text=_("mis. pemdes-64-71-05-1002; dipakai di berkas unggahan")
    )
    name = forms.CharField(label=_("Nama"), max_length=200)
    kind = forms.ChoiceField(label=_("Jenis"), choices=PayerKind.choices)
    region = forms.CharField(label=_("Kode wilayah"), max_length=13, help_text=_("provinsi, kabupaten/kota atau desa"))
    funding_source = forms.ChoiceField(label=_("Sumber dana"), choices=FundingSource.choices)
    npp = forms.CharField(label=_("NPP BPJS"), max_length=20, required=False)
    is_active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True


class ProjectForm(forms.Form):
    """A construction project of a payer the user may use (`services.register_project`)."""

    payer = forms.ModelChoiceField(label=_("Pembayar iuran"), queryset=None, empty_label=_("— pilih pembayar —"))
    name = forms.CharField(label=_("Nama proyek"), max_length=200)
    contract_value = forms.IntegerField(label=_("Nilai kontrak (Rp)"), min_value=1, max_value=100_000_000_000_000)
    work_order_date = forms.DateField(label=_("Tanggal SPK"), widget=forms.DateInput(attrs={"type": "date"}))
    start_date = forms.DateField(label=_("Mulai pekerjaan"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Selesai pekerjaan"), widget=forms.DateInput(attrs={"type": "date"}))
    priced_on = forms.ChoiceField(label=_("Dasar iuran"), choices=())

    def __init__(self, *args, payers, **kwargs):
        from sijaga.enrollment.models import ProjectBasis

        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = payers
        self.fields["priced_on"].choices = ProjectBasis.choices
