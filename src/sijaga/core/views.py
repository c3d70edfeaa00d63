from django.db import connection
from django.http import HttpRequest, JsonResponse

from sijaga.regions import services as regions


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for operators and load balancers: the database answers and regions are loaded."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"database": connection.vendor, "regions_loaded": regions.regions_loaded()})
