"""Stop an oversized upload while it streams in, not after the whole body has been stored (F22)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

#: Room for the multipart framing and the other form fields when the declared body length is checked up front.
MULTIPART_OVERHEAD = 1024 * 1024


class UploadTooLarge(RequestDataTooBig):
    """A file beyond `settings.MAX_UPLOAD_BYTES`. A `SuspiciousOperation`: Django answers it through `handler400`
    (`sijaga.core.views.bad_request` turns it into a 413); the API maps it to a JSON 413 (`sijaga.api`)."""

    def __init__(self) -> None:
        super().__init__(upload_too_large_message())


def upload_too_large_message() -> str:
    return _("Berkas lebih dari %(mb)s MB; pecah menjadi beberapa berkas.") % {"mb": settings.MAX_UPLOAD_MB}


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: refuses a body whose declared length is already too large before reading it,
    and otherwise counts each file's bytes as they arrive, raising as soon as one passes the limit (the body still
    unread is never received into a temporary file)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            raise UploadTooLarge()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise UploadTooLarge()
        return raw_data  # passed on to the next handler, which stores it

    def file_complete(self, file_size):
        return None  # the next handler returns the file


# --- evidence documents (PDF or image) ------------------------------------------------------------------------

#: Largest evidence document (a scanned decree, the minutes of a meeting).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

#: Accepted documents, recognised by their first bytes (never by the name or the browser's content type).
DOCUMENT_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
#: Executables and scripts, named so the refusal says what the file really is.
EXECUTABLE_MAGIC: tuple[bytes, ...] = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"PK\x03\x04",
)


class DocumentRefused(ValueError):
    """An evidence file that is not a PDF/image, is too large or is empty; `message` is shown to the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def safe_file_name(name: str, extension: str) -> str:
    """A name safe to show and store: the last path component only (no traversal), control characters and anything
    but letters, digits, '-', '_' and '.' replaced, no leading dot, at most 100 characters, the real extension."""
    import re
    import unicodedata

    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.ASCII).strip("._")[:100] or "dokumen"
    return stem + extension


def check_document(upload, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[str, str]:
    """(content type, safe name) of an uploaded evidence file, or `DocumentRefused` with a clear message."""
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise DocumentRefused("too_large", _("Berkas lebih dari %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    if size == 0:
        raise DocumentRefused("empty", _("Berkas kosong."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in DOCUMENT_MAGIC:
        if head.startswith(magic):
            return content_type, safe_file_name(upload.name, extension)
    if head.startswith(EXECUTABLE_MAGIC):
        raise DocumentRefused(
            "executable", _("Berkas ini adalah program atau arsip, bukan dokumen; unggah PDF atau gambar (PNG/JPEG).")
        )
    raise DocumentRefused("not_document", _("Berkas bukan PDF atau gambar (PNG/JPEG)."))
