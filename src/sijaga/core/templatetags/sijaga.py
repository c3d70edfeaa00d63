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
def get_item(mapping, key):
    """`row|get_item:key` for rows built by presenters (dicts keyed by column)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
