"""REST endpoints for the public region hierarchy: /api/regions/…"""

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import paginate

from sijaga.regions import services
from sijaga.regions.models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None
    is_current: bool

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent_id


class RegionDetailOut(RegionOut):
    path: list[RegionOut]
    counts: dict[str, int]
    iso3166: str | None


@router.get("/", response=list[RegionOut])
@paginate
def list_regions(request, level: int | None = None, parent: str | None = None):
    """Regions, filtered by level (1 province … 4 village) and/or parent code."""
    qs = Region.objects.all()
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=services.normalize_code(parent))
    return qs.order_by("code")


@router.get("/search", response=list[RegionOut])
def search_regions(request, q: str, level: int | None = None, within: str | None = None, limit: int = 20):
    """Search by name words or code prefix (`64.71`, `6471`)."""
    return list(services.search(q, level=level, within=within, limit=min(max(limit, 1), 200)))


@router.get("/{code}", response=RegionDetailOut)
def region_detail(request, code: str):
    region = services.get_region(code)
    if region is None:
        raise Http404
    region.path = services.ancestors(region)
    region.counts = services.descendant_counts([region.code])[region.code]
    region.iso3166 = services.iso3166_codes().get(region.code) if region.level == 1 else None
    return region


@router.get("/{code}/children", response=list[RegionOut])
@paginate
def region_children(request, code: str):
    region = services.get_region(code)
    if region is None:
        raise Http404
    return services.children(region.code)
