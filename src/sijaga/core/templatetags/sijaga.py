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


@register.simple_tag
def localtime_region(value, region_code: str | None = None, fmt: str = "j M Y H:i") -> str:
    """A stored (UTC) time shown in the zone of the region in context, with its WIB/WITA/WIT label."""
    if value is None:
        return "—"
    from django.utils import dateformat

    from sijaga.regions.timezones import tzinfo_for, zone_for

    return f"{dateformat.format(value.astimezone(tzinfo_for(region_code)), fmt)} {zone_for(region_code)[1]}"
