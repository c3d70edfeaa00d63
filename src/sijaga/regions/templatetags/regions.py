from django import template

register = template.Library()


@register.simple_tag
def localtime_region(value, region_code: str | None = None, fmt: str = "j M Y H:i") -> str:
    """A stored (UTC) time shown in the zone of the region in context, with its WIB/WITA/WIT label."""
    if value is None:
        return "—"
    from django.utils import dateformat

    from sijaga.regions.timezones import tzinfo_for, zone_for

    return f"{dateformat.format(value.astimezone(tzinfo_for(region_code)), fmt)} {zone_for(region_code)[1]}"
