"""Small helpers shared by tests (importing from a conftest is fragile)."""

import json


def api_post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)
