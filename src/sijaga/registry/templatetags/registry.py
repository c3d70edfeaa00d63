from django import template

from sijaga.registry.rules import mask_nik

register = template.Library()


@register.filter
def nik(value: str, masked: bool = False) -> str:
    return mask_nik(value) if masked else value
