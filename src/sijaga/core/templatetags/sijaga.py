from django import template

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """Integer Rupiah in Indonesian style: 1500000 → Rp1.500.000 (no float ever touches money)."""
    if value is None or value == "":
        return "—"
    from lokal import format_rupiah

    return format_rupiah(int(value))


@register.filter
def nik(value: str, masked: bool = False) -> str:
    from sijaga.registry.services import mask_nik

    return mask_nik(value) if masked else value
