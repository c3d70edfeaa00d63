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
