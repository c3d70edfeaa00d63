from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sijaga.contributions.rates import PROGRAMMES
from sijaga.core.periods import Month
from sijaga.enrollment.models import Segment
from sijaga.enrollment.rules import PROGRAMME_NAMES

RISK_CLASSES = [
    (1, _("I — sangat rendah (mis. kantor pemerintah)")),
    (2, _("II — rendah")),
    (3, _("III — sedang")),
    (4, _("IV — tinggi")),
    (5, _("V — sangat tinggi")),
]


class CalculatorForm(forms.Form):
    segment = forms.ChoiceField(label=_("Segmen"), choices=Segment.choices)
    bulan = forms.CharField(label=_("Bulan iuran"), widget=forms.TextInput(attrs={"type": "month"}))
    programmes = forms.MultipleChoiceField(
        label=_("Program"), choices=[(p, PROGRAMME_NAMES[p]) for p in PROGRAMMES], widget=forms.CheckboxSelectMultiple
    )
    wage = forms.IntegerField(
        label=_("Upah/penghasilan sebulan (Rp)"), required=False, help_text=_("BPU: penghasilan yang dilaporkan.")
    )
    contract_value = forms.IntegerField(
        label=_("Nilai kontrak (Rp)"), required=False, help_text=_("Hanya Jakon yang upahnya tidak diketahui.")
    )
    risk_class = forms.TypedChoiceField(label=_("Kelas risiko JKK"), choices=RISK_CLASSES, coerce=int, initial=1)
    labour_intensive = forms.BooleanField(
        label=_("Industri padat karya (PP 7/2025)"), required=False, help_text=_("Paling sedikit 50 pekerja.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bulan"].initial = str(Month.of(timezone.localdate()))
        self.fields["programmes"].initial = ["jkk", "jkm"]

    def clean_bulan(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["bulan"])
        except ValueError:
            raise forms.ValidationError(_("Bulan tidak sah; tulis 2026-03 atau 03/2026.")) from None


class PaymentForm(forms.Form):
    payer = forms.ModelChoiceField(label=_("Pembayar iuran"), queryset=None, empty_label=_("— pilih pembayar —"))
    amount = forms.IntegerField(label=_("Jumlah (Rp)"), min_value=1)
    paid_on = forms.DateField(label=_("Tanggal bayar"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Referensi"), max_length=80)

    def __init__(self, *args, payers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = payers
