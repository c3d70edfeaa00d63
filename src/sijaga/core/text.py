"""Text helpers shared by every app: the whitespace that spreadsheets, copy-paste and typists leave behind."""

# Whitespace that is stripped at the ends and reported as ``inner_space`` inside. Spelt out rather than
# relying on ``str.isspace`` / Rust's ``char::is_whitespace`` (which differ), so both paths agree. Besides
# Unicode White_Space it has the invisible characters that spreadsheets and copy-paste leave behind
# (zero-width space, word joiner, BOM) and the C0 separators Python treats as space.
WHITESPACE_CODEPOINTS = (
    *range(0x09, 0x0E),  # \t \n \v \f \r
    *range(0x1C, 0x21),  # file/group/record/unit separators, space
    0x85,
    0xA0,  # no-break space, common in Excel exports
    0x1680,
    *range(0x2000, 0x200C),  # en quad … hair space, zero-width space
    0x2028,
    0x2029,
    0x202F,
    0x205F,
    0x2060,
    0x3000,
    0xFEFF,
)
WHITESPACE = "".join(map(chr, WHITESPACE_CODEPOINTS))
